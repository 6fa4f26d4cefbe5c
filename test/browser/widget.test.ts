import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildAndLaunch, watch } from '../helpers/browser.js';
import { SYNC_ERROR_CODES } from '../../server/errors.js';
import { startTestServer } from '../helpers/http-test-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SDK_URL = 'https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js';
const LOCALES = ['en', 'de', 'fr', 'es', 'ja'] as const;
const translations = Object.fromEntries(
  LOCALES.map((l) => [l, JSON.parse(readFileSync(path.join(root, `app/translations/${l}.json`), 'utf8')) as Record<string, string>]),
);
const en = translations.en!;

/** Serves the packed widget files (app/) as Desk would load them. */
async function serveApp(): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.json': 'application/json',
    '.png': 'image/png',
  };
  return startTestServer((req, res) => {
    const rel = path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    const file = path.join(root, 'app', rel);
    try {
      if (!file.startsWith(path.join(root, 'app') + path.sep)) throw new Error('outside');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
}

interface Seen {
  text: string;
  errors: string[];
  dialogs: number;
  healths: string[];
  imgs: number;
}

describe('Sync status widget in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let app: Awaited<ReturnType<typeof serveApp>>;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    browser = await buildAndLaunch();
    app = await serveApp();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Opens the widget with Desk's SDK replaced by a test double serving this config and locale. */
  type Config = { channelState?: string | null; repositories?: string };
  interface Options {
    /** Replaces the whole test double (a script), for SDK failures. */
    sdk?: string;
    /** Runs on the page after the first render (the page's clock is under the test's control). */
    then?: (page: Page) => Promise<void>;
  }
  const pairsOf = (config: Config) => Object.entries(config).map(([name, value]) => ({ name, value, defaultValue: null }));

  async function open(config: Config, locale = 'en', screenshot?: string, options: Options = {}): Promise<Seen> {
    const page: Page = await browser.newPage({ viewport: { width: 760, height: 560 } });
    await page.clock.install();
    const watched = watch(page);
    // The double answers with window.__deskConfig, which a test may change between two reads.
    await page.route(SDK_URL, (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body:
          options.sdk ??
          `window.__deskConfig = ${JSON.stringify(pairsOf(config))};
          window.ZOHODESK = { extension: { onload: () => Promise.resolve({ locale: ${JSON.stringify(locale)}, meta: {} }) },
          get: (what) => Promise.resolve({ [what]: window.__deskConfig }) };`,
      }),
    );
    await page.goto(`${app.url}/widget.html`);
    await page.waitForSelector('.gh-sync');
    if (options.then) await options.then(page);
    // SCREENSHOTS=1 refreshes docs/widget-*.png (shown in the README).
    if (screenshot && process.env.SCREENSHOTS) await page.locator('.gh-sync').screenshot({ path: path.join(root, 'docs', screenshot) });
    const seen: Seen = {
      text: (await page.locator('body').innerText()).replace(/\s+/g, ' '),
      errors: watched.errors,
      dialogs: watched.dialogs,
      healths: await page.locator('section.repo').evaluateAll((els) => els.map((e) => e.getAttribute('data-health') ?? '')),
      imgs: await page.locator('img').count(),
    };
    await page.close();
    return seen;
  }

  const repoState = (s: Record<string, unknown>, at = now() - 60) =>
    JSON.stringify({ v: 1, at, r: { 'acme/widgets': { i: { t: at - 100, a: 3 }, c: { t: at - 100 }, s: { n: 0, ok: at - 60, ...s } } } });
  const clean = (seen: Seen) => {
    expect(seen.errors, 'no script or console errors').to.deep.equal([]);
    expect(seen.dialogs, 'no dialogs').to.equal(0);
  };

  it('shows a healthy sync with its figures', async () => {
    const at = now() - 120;
    const seen = await open(
      {
        repositories: 'acme/widgets, acme/docs',
        channelState: JSON.stringify({
          v: 1,
          at,
          r: {
            'acme/widgets': { s: { n: 42, ok: at, rl: { r: 4890, l: 5000, z: now() + 1800 } } },
            'acme/docs': { s: { n: 3, ok: at, rl: { r: 4890, l: 5000, z: now() + 1800 } } },
          },
        }),
      },
      'en',
      'widget-healthy.png',
    );
    clean(seen);
    expect(seen.healths).to.deep.equal(['healthy', 'healthy']);
    expect(seen.text).to.include(en['summary.healthy']);
    expect(seen.text).to.include('2 minutes ago');
    expect(seen.text).to.include('4,890 of 5,000 left, resets in 30 minutes');
    expect(seen.text).to.include('42');
    expect(seen.text).to.include(en.upToDate);
  });

  it('says per repository whether changes arrive live by webhook or by polling only, and why', async () => {
    const at = now() - 60;
    const seen = await open({
      repositories: 'acme/widgets, acme/docs, acme/old',
      channelState: JSON.stringify({
        v: 1,
        at,
        r: {
          'acme/widgets': { s: { n: 1, ok: at }, w: { i: 12, f: 'abc', t: at } },
          'acme/docs': { s: { n: 1, ok: at }, w: { p: 'admin', t: at } },
          'acme/old': { s: { n: 1, ok: at } },
        },
      }),
    });
    clean(seen);
    for (const key of ['delivery.live', 'delivery.admin', 'delivery.off'] as const) expect(seen.text, key).to.include(en[key]);
    expect(en['delivery.admin']).to.equal('Polling only: needs admin rights on the repository');
  });

  it('points at the one failing repository among healthy ones', async () => {
    const at = now() - 90;
    const rl = { r: 4712, l: 5000, z: now() + 2400 };
    const seen = await open(
      {
        repositories: 'acme/widgets, acme/legacy-api',
        channelState: JSON.stringify({
          v: 1,
          at,
          r: {
            'acme/widgets': { s: { n: 12, ok: at, rl } },
            'acme/legacy-api': { s: { n: 0, ok: now() - 2 * 86400, rl, err: { c: 'SOURCE_NOT_FOUND', t: at, k: 4 } } },
          },
        }),
      },
      'en',
      'widget-failing.png',
    );
    clean(seen);
    expect(seen.healths).to.deep.equal(['healthy', 'failing']);
    expect(seen.text).to.include(en['summary.failing']);
    expect(seen.text).to.include(en['error.SOURCE_NOT_FOUND']);
    expect(seen.text).to.include('4 failed pulls in a row');
    expect(seen.text).to.include('Last success 2 days ago');
  });

  it('shows a sync that is catching up, with the backlog', async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: repoState({ n: 2000, more: true, lag: 7200 }) });
    clean(seen);
    expect(seen.healths).to.deep.equal(['behind']);
    expect(seen.text).to.include('about 2 h behind');
  });

  it('shows a rate-limited sync and when it resumes', async () => {
    const seen = await open({
      repositories: 'acme/widgets',
      channelState: repoState({ na: now() + 600, err: { c: 'UPSTREAM_RATE_LIMITED', t: now() - 30, k: 2 }, rl: { r: 0, l: 5000, z: now() + 600 } }),
    });
    clean(seen);
    expect(seen.healths).to.deep.equal(['rate-limited']);
    expect(seen.text).to.include('Resumes in 10 minutes.');
    expect(seen.text).to.include(en['error.UPSTREAM_RATE_LIMITED']);
  });

  for (const code of SYNC_ERROR_CODES) {
    it(`explains a ${code} failure with its fix`, async () => {
      const state =
        code === 'CONFIG_INVALID'
          ? JSON.stringify({ v: 1, at: now() - 60, r: {}, err: { c: code, t: now() - 60 } })
          : repoState({ err: { c: code, t: now() - 60, k: 3 } });
      const seen = await open({ repositories: 'acme/widgets', channelState: state });
      clean(seen);
      expect(seen.text).to.include(en[`error.${code}`]);
      expect(seen.text).to.include(en[code === 'UPSTREAM_RATE_LIMITED' ? 'summary.rate-limited' : 'summary.failing']);
      if (code !== 'CONFIG_INVALID' && code !== 'UPSTREAM_RATE_LIMITED') {
        expect(seen.healths).to.deep.equal(['failing']);
        expect(seen.text).to.include('3 failed pulls in a row');
      }
    });
  }

  it('shows a stale sync when Desk has not pulled for well over 4 minutes', async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: repoState({}, now() - 3 * 3600) });
    clean(seen);
    expect(seen.healths).to.deep.equal(['stale']);
    expect(seen.text).to.include('The last pull was 3 hours ago.');
  });

  it('waits for the first sync on a fresh install, and for repositories not synced yet', async () => {
    for (const channelState of [null, '']) {
      const seen = await open({ repositories: 'acme/widgets', channelState });
      clean(seen);
      expect(seen.text).to.include(en.waiting);
      expect(seen.healths).to.deep.equal(['waiting']);
    }
    const partly = await open({ repositories: 'acme/widgets, acme/new', channelState: repoState({}) });
    expect(partly.healths).to.deep.equal(['healthy', 'waiting']);
  });

  it('says so clearly, without a script error, for garbage and older-version state', async () => {
    for (const [channelState, message] of [
      ['{not json', en.unreadable],
      ['[1,2,3]', en.unreadable],
      ['{"v":1,"at":"yesterday","r":{}}', en.unreadable],
      ['{"v":1,"at":1,"r":{"a/b":{"s":{"err":{"c":"<b>x</b>","t":1}}}}}', en.unreadable],
      ['{"v":0,"cursor":"Jan 11"}', en.oldVersion],
      ['{"v":0}', en.oldVersion],
      ['{"v":2,"at":1,"r":{}}', en.newerVersion],
      ['{"v":"1","at":1,"r":{}}', en.unreadable],
      ['{"v":1,"at":1,"r":{"a/b":"x"}}', en.unreadable],
      ['"just a string"', en.unreadable],
      ['null', en.unreadable],
    ] as const) {
      const seen = await open({ repositories: 'acme/widgets', channelState });
      clean(seen);
      expect(seen.text, channelState).to.include(message);
    }
  });

  it('renders outside strings as text: a hostile repository name runs no script', async () => {
    const evil = 'acme/<img src=x onerror=alert(1)>';
    const state = JSON.stringify({ v: 1, at: now() - 60, r: { [evil]: { s: { n: 1, ok: now() - 60, err: { c: 'SOURCE_NOT_FOUND', t: now() } } } } });
    const seen = await open({ repositories: `${evil}, <script>alert(2)</script>`, channelState: state });
    clean(seen);
    expect(seen.imgs).to.equal(0);
    expect(seen.text).to.include(evil);
    expect(seen.text).to.include('<script>alert(2)</script>');
  });

  it('refreshes every 30 seconds by reading the config again', async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: null }, 'en', undefined, {
      then: async (page) => {
        expect((await page.locator('body').innerText()).replace(/\s+/g, ' ')).to.include(en.waiting);
        const at = Math.floor((await page.evaluate(() => Date.now())) / 1000);
        const state = JSON.stringify({ v: 1, at, r: { 'acme/widgets': { s: { n: 7, ok: at } } } });
        await page.evaluate((pairs) => Object.assign(window, { __deskConfig: pairs }), pairsOf({ repositories: 'acme/widgets', channelState: state }));
        await page.clock.runFor(30_000);
        await page.waitForSelector('section.repo[data-health="healthy"]');
      },
    });
    clean(seen);
    expect(seen.healths).to.deep.equal(['healthy']);
    expect(seen.text).to.include(en['summary.healthy']);
  });

  it('uses the default of a param the admin left empty', async () => {
    const state = repoState({ n: 5 });
    const sdk = `window.ZOHODESK = { extension: { onload: () => Promise.resolve({ locale: 'en' }) },
      get: (what) => Promise.resolve({ [what]: [{ name: 'repositories', value: '', defaultValue: 'acme/widgets' }, { name: 'channelState', value: ${JSON.stringify(state)}, defaultValue: null }] }) };`;
    const seen = await open({}, 'en', undefined, { sdk });
    clean(seen);
    expect(seen.healths).to.deep.equal(['healthy']);
  });

  it('reads a last pull stamped a little ahead by the server clock as just now', async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: repoState({ ok: now() + 20 }, now() + 20) });
    clean(seen);
    expect(seen.text).to.include('Last pull now');
    expect(seen.text).not.to.match(/in \d+ seconds/);
  });

  it("says what is wrong, without a script error, when Desk's SDK fails", async () => {
    const cases = [
      [`window.ZOHODESK = { extension: { onload: () => Promise.reject(new Error('no')) }, get: () => Promise.resolve({}) };`, en.noSdk],
      [
        `window.ZOHODESK = { extension: { onload: () => Promise.resolve({ locale: 'en' }) }, get: () => Promise.reject(new Error('denied')) };`,
        en.configUnavailable,
      ],
      [`window.ZOHODESK = { extension: { onload: () => Promise.resolve(undefined) }, get: () => Promise.resolve(null) };`, en.configUnavailable],
      [
        `window.ZOHODESK = { extension: { onload: () => Promise.resolve({ locale: 'en' }) }, get: () => Promise.resolve({ 'extension.config': { repositories: 'a/b' } }) };`,
        en.configUnavailable,
      ],
      ['/* the SDK did not load */', en.noSdk],
    ] as const;
    for (const [sdk, message] of cases) {
      const seen = await open({}, 'en', undefined, { sdk });
      clean(seen);
      expect(seen.text, sdk).to.include(message);
    }
  });

  it('shows "no repositories" and waits when nothing is configured yet', async () => {
    const seen = await open({ channelState: null });
    clean(seen);
    expect(seen.text).to.include(en.noRepositories);
    expect(seen.text).to.include(en.waiting);
  });

  it("speaks English when Desk's locale is en_US", async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: repoState({ err: { c: 'UPSTREAM_UNAUTHORIZED', t: now() - 60 } }) }, 'en_US');
    clean(seen);
    expect(seen.text).to.include(en['error.UPSTREAM_UNAUTHORIZED']);
    expect(seen.text).to.include(en['health.failing']);
  });

  for (const locale of ['de', 'fr', 'es', 'ja'] as const) {
    it(`speaks ${locale} when Desk's locale is ${locale}`, async () => {
      const seen = await open({ repositories: 'acme/widgets', channelState: repoState({ err: { c: 'UPSTREAM_UNAUTHORIZED', t: now() - 60 } }) }, locale);
      clean(seen);
      const t = translations[locale]!;
      expect(seen.text).to.include(t.title);
      expect(seen.text).to.include(t['error.UPSTREAM_UNAUTHORIZED']);
      expect(seen.text).to.include(t['health.failing']);
    });
  }

  it('falls back to English for a locale without translations (pt-BR)', async () => {
    const seen = await open({ repositories: 'acme/widgets', channelState: repoState({}) }, 'pt-BR');
    clean(seen);
    expect(seen.text).to.include(en['summary.healthy']);
  });
});

describe('Widget translations', () => {
  it('every locale has exactly the English keys, and one hint per sync error code', () => {
    for (const l of LOCALES) expect(Object.keys(translations[l]!).sort(), l).to.deep.equal(Object.keys(en).sort());
    const errorKeys = Object.keys(en)
      .filter((k) => k.startsWith('error.') && k !== 'error.unknown')
      .map((k) => k.slice(6))
      .sort();
    expect(errorKeys).to.deep.equal([...SYNC_ERROR_CODES].sort());
  });

  it('every locale of the manifest has a translation file', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'plugin-manifest.json'), 'utf8')) as { locale: string[] };
    expect([...manifest.locale].sort()).to.deep.equal([...LOCALES].sort());
  });
});
