import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildAndLaunch, watch } from '../helpers/browser.js';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { SENTINEL } from '../helpers/test-config.js';
import { startWidgetHost } from '../../sandbox/widget-host.js';
import { pack } from '../../scripts/pack.js';
import { zipFile } from '../../scripts/zip-entries.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const en = JSON.parse(readFileSync(path.join(root, 'app/translations/en.json'), 'utf8')) as Record<string, string>;
const ja = JSON.parse(readFileSync(path.join(root, 'app/translations/ja.json'), 'utf8')) as Record<string, string>;
const REPO = 'acme/widgets';
const HOSTILE_TITLE = '<img src=x onerror=alert(1)><script>alert(2)</script> Crash when saving';
const HOSTILE_LABEL = '<img src=y onerror=alert(3)>';

/**
 * The ticket card and the repository picker in headless Chromium, against the real
 * loop: the fake GitHub, the channel server and the Desk simulator, with Desk's SDK
 * replaced by the sandbox's double (sandbox/widget-host.ts), whose `request`
 * goes to the fake GitHub through the connection and answers in Desk's envelope.
 */
describe('The ticket card and the repository picker in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let loop: ChannelLoop;
  let host: Awaited<ReturnType<typeof startWidgetHost>>;

  before(async () => {
    browser = await buildAndLaunch();
  });
  after(async () => browser?.close());

  beforeEach(async () => {
    loop = await startChannelLoop({ transport: 'invoke', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, {
      title: 'Saving a file with an emoji in its name crashes the editor',
      labels: ['bug', 'needs-triage', 'priority: high'],
      assignees: ['octocat'],
      milestone: 'v2.4',
      plusOne: 12,
    });
    loop.gh.createComment(REPO, 1, { body: 'Same here on 2.3.1.' });
    loop.gh.createIssue(REPO, { title: 'Dark mode', labels: ['enhancement'] });
    loop.gh.createIssue(REPO, { title: HOSTILE_TITLE, labels: [HOSTILE_LABEL] });
    loop.clock.advance(120);
    await loop.pullUntilQuiet();
    host = await startWidgetHost({
      config: () => [
        { name: 'repositories', value: loop.desk.configParams.repositories ?? null },
        { name: 'selected_repositories', value: loop.desk.configParams.selected_repositories ?? null },
        { name: 'channelState', value: loop.desk.channelState },
      ],
      setConfig: (name, value) => void (loop.desk.configParams[name] = value),
      database: (key) => loop.desk.store.database.get(key),
      github: { url: loop.gh.url, token: SENTINEL.token },
    });
  });
  afterEach(async () => {
    await host?.close();
    await loop?.close();
  });

  interface Opened {
    page: Page;
    errors: string[];
    dialogs: number;
    text(): Promise<string>;
    state(): Promise<string | null>;
  }
  const deskId = (n: number) => loop.desk.store.deskIdOf(`${REPO}:${n}`)!;

  async function open(file: string, query: Record<string, string>, hold?: Promise<void>): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    await page.clock.install({ time: loop.clock.ms + 60_000 });
    const watched = watch(page);
    if (hold) await page.route('**/sandbox/request', async (route) => (await hold, route.continue()));
    await page.goto(`${host.origin}/app/${file}?${new URLSearchParams(query)}`);
    return {
      page,
      errors: watched.errors,
      get dialogs() {
        return watched.dialogs;
      },
      text: async () => (await page.locator('body').innerText()).replace(/\s+/g, ' '),
      state: () => page.locator('.gh-card').getAttribute('data-state'),
    };
  }
  const card = async (n: number, locale = 'en', hold?: Promise<void>) => {
    const o = await open('card.html', { ticket: deskId(n), locale }, hold);
    if (!hold) await o.page.waitForSelector('.gh-card:not([data-state="loading"])');
    return o;
  };
  const settled = (o: Opened) => o.page.waitForFunction(() => !document.querySelector('.busy') && !document.querySelector('.gh-card[data-state="loading"]'));
  const shot = async (o: Opened, name: string) => {
    if (process.env.SCREENSHOTS) await o.page.locator('.gh-card').screenshot({ path: path.join(root, 'docs', name) });
  };
  const clean = (o: Opened) => {
    expect(o.errors, 'no script or console errors').to.deep.equal([]);
    expect(o.dialogs, 'no dialogs').to.equal(0);
  };
  const ghIssue = (n: number) =>
    loop.gh.issues(REPO).find((i) => i.number === n)! as unknown as {
      state: string;
      state_reason: string | null;
      labels: Array<{ name: string }>;
      assignees: Array<{ login: string }>;
    };
  const issueReads = () => loop.gh.requests.filter((r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues/1`).length;

  it('on a GitHub Enterprise package, calls its own API root, which its manifest whitelists; the github.com widget would be refused there', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'ghe-card-'));
    const zip = path.join(work, 'ghe.zip');
    const api = 'https://ghe.example.com/api/v3';
    const { entries } = pack({
      baseUrl: 'https://channel.test.example',
      secret: 'pack-test-secret-0123',
      urlKey: 'k'.repeat(20),
      githubApiUrl: api,
      skipBuild: true,
      out: zip,
      log: () => undefined,
    });
    for (const e of entries.filter((e) => e.startsWith('app/') && !e.endsWith('/'))) {
      mkdirSync(path.dirname(path.join(work, e)), { recursive: true });
      writeFileSync(path.join(work, e), zipFile(zip, e));
    }
    const manifest = JSON.parse(zipFile(zip, 'plugin-manifest.json').toString('utf8')) as {
      whiteListedDomains: string[];
      connectors: Array<{ connectionLinkName?: unknown }>;
    };
    expect(manifest.whiteListedDomains).to.deep.equal(['https://ghe.example.com', 'https://desk.zoho.com']);
    const config = () => [
      { name: 'repositories', value: loop.desk.configParams.repositories ?? null },
      { name: 'channelState', value: loop.desk.channelState },
    ];
    const github = { url: loop.gh.url, token: SENTINEL.token, apiRoot: api };
    const packed = await startWidgetHost({ config, database: (key) => loop.desk.store.database.get(key), github, appDir: path.join(work, 'app'), manifest });
    const unpacked = await startWidgetHost({ config, database: (key) => loop.desk.store.database.get(key), github, manifest });
    const first = host;
    try {
      host = packed;
      const seen = loop.gh.requests.length;
      const o = await card(1);
      expect(await o.state(), 'the packed card reads the issue live, through the whitelisted root').to.equal('live');
      expect(await o.text()).to.include('#1 Saving a file with an emoji in its name crashes the editor');
      expect(loop.gh.requests.length, 'its calls reached GitHub').to.be.above(seen);
      clean(o);
      await o.page.close();
      // The checkout's own app/ (github.com's deployment) under the Enterprise manifest: every call refused.
      host = unpacked;
      const before = loop.gh.requests.length;
      const refused = await card(1);
      expect(await refused.state()).to.not.equal('live');
      expect(loop.gh.requests.length, 'nothing reached GitHub').to.equal(before);
      await refused.page.close();
    } finally {
      host = first;
      await packed.close();
      await unpacked.close();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('shows the live issue: state, labels in their colours, assignees, milestone and counts', async () => {
    const o = await card(1);
    await o.page.waitForSelector('select[name="add-label"] option:nth-child(2)', { state: 'attached' });
    expect(await o.state()).to.equal('live');
    const text = await o.text();
    expect(text).to.include('#1 Saving a file with an emoji in its name crashes the editor');
    expect(text).to.include(en['card.state.open']);
    for (const l of ['bug', 'needs-triage', 'priority: high', '@octocat', 'v2.4', `${en['card.comments']} 1`, `${en['card.plusOne']} 12`])
      expect(text).to.include(l);
    const colours = await o.page.locator('.chip[data-label]').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.getPropertyValue('--label')));
    expect(colours).to.have.length(3);
    for (const c of colours) expect(c).to.match(/^#[0-9a-f]{6}$/);
    expect(await o.page.locator('a.gh-card__link').getAttribute('href')).to.equal(`${loop.gh.webUrl}/${REPO}/issues/1`);
    await shot(o, 'card-open.png');
    clean(o);
    await o.page.close();
  });

  it('renders a hostile title and label as text: no element, no script, no dialog', async () => {
    const o = await card(3);
    await o.page.waitForSelector('.gh-card[data-state="live"]');
    const text = await o.text();
    expect(text).to.include(`#3 ${HOSTILE_TITLE}`).and.include(HOSTILE_LABEL);
    expect(await o.page.locator('.gh-card img, .gh-card script').count(), 'no element from GitHub text').to.equal(0);
    expect(await o.page.locator('.chip[data-label]').first().getAttribute('data-label')).to.equal(HOSTILE_LABEL);
    clean(o);
    await o.page.close();
  });

  it('says a ticket that did not come from GitHub has no issue, and a page without a ticket says so', async () => {
    const other = await open('card.html', { ticket: '999999' });
    await other.page.waitForSelector('.gh-card[data-state="not-github"]');
    expect(await other.text()).to.include(en['card.notGitHub']);
    clean(other);
    await other.page.close();
    const none = await open('card.html', {});
    await none.page.waitForSelector('.gh-card[data-state="failed-no-ticket"]');
    expect(await none.text()).to.include(en['card.noTicket']);
    await none.page.close();
  });

  it('says so, and offers to try again, when Desk\'s data storage fails (never "not from GitHub")', async () => {
    const o = await open('card.html', { ticket: deskId(1) });
    await o.page.route('**/sandbox/database', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: 'not json' }));
    await o.page.reload();
    await o.page.waitForSelector('.gh-card[data-state="failed-no-storage"]');
    expect(await o.text()).to.include(en['card.noStorage']);
    await o.page.unroute('**/sandbox/database');
    await o.page.getByRole('button', { name: en['card.retry'] }).click();
    await o.page.waitForSelector('.gh-card[data-state="live"]');
    await o.page.close();
  });

  it('shows loading until GitHub answers', async () => {
    let release!: () => void;
    const o = await card(1, 'en', new Promise<void>((r) => (release = r)));
    await o.page.waitForSelector('.gh-card[data-state="loading"]');
    expect(await o.text()).to.include(en['card.loading']);
    release();
    await o.page.waitForSelector('.gh-card[data-state="live"]');
    await o.page.close();
  });

  it('removes a label called ".." and only it: the name never becomes a dot-segment that moves a DELETE up the path', async () => {
    loop.gh.editIssue(REPO, 2, { labels: ['..', 'enhancement'] });
    loop.clock.advance(30);
    await loop.pullUntilQuiet();
    const o = await card(2);
    await o.page.getByRole('button', { name: en['card.removeLabel']!.replace('{label}', '..') }).click();
    await o.page.waitForFunction(() => !document.querySelector('[data-label=".."]'));
    await settled(o);
    expect(ghIssue(2).labels.map((l) => l.name)).to.deep.equal(['enhancement']);
    const writes = loop.gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(writes, 'the labels set again without it, on the issue itself').to.deep.equal([`PATCH /repos/${REPO}/issues/2`]);
    clean(o);
    await o.page.close();
  });

  it("closes and relabels on GitHub from Desk, changes only on GitHub's answer, and the next pull tells the ticket", async () => {
    const o = await card(1);
    // No token ever reaches the page: the connection adds it outside the browser.
    const seen: string[] = [];
    o.page.on(
      'response',
      (r) =>
        void r.text().then(
          (t) => seen.push(t),
          () => undefined,
        ),
    );
    o.page.on('request', (r) => seen.push(JSON.stringify(r.headers()), r.postData() ?? ''));
    await o.page.waitForSelector('select[name="add-label"] option:nth-child(2)', { state: 'attached' });
    await o.page.getByRole('button', { name: en['card.closeCompleted'] }).click();
    await o.page.waitForSelector('.state--closed');
    await settled(o);
    expect(ghIssue(1)).to.include({ state: 'closed', state_reason: 'completed' });
    await o.page.getByRole('button', { name: en['card.removeLabel']!.replace('{label}', 'needs-triage') }).click();
    await o.page.waitForFunction(() => !document.querySelector('[data-label="needs-triage"]'));
    await settled(o);
    await o.page.selectOption('select[name="add-label"]', 'enhancement');
    await o.page.waitForSelector('[data-label="enhancement"]');
    await settled(o);
    await o.page.selectOption('select[name="assign"]', 'hubot');
    await o.page.waitForSelector('[data-assignee="hubot"]');
    await settled(o);
    expect(
      ghIssue(1)
        .labels.map((l) => l.name)
        .sort(),
    ).to.deep.equal(['bug', 'enhancement', 'priority: high']);
    expect(
      ghIssue(1)
        .assignees.map((a) => a.login)
        .sort(),
    ).to.deep.equal(['hubot', 'octocat']);
    expect(await o.text()).to.include(en['card.state.completed']);
    await shot(o, 'card-closed.png');
    clean(o);
    expect(seen.length).to.be.greaterThan(5);
    expect(
      seen.filter((t) => t.includes(SENTINEL.token)),
      'the GitHub token in the page',
    ).to.deep.equal([]);
    await o.page.close();

    loop.clock.advance(30);
    await loop.pullUntilQuiet();
    const story = [...loop.desk.store.threads.values()].map((t) => t.object).filter((t) => t.extParentId === `${REPO}:1` && /:e\d+$/.test(t.extId));
    expect(story.map((t) => t.content)).to.include.members([
      '<p><em>Closed as completed by @desk-bot</em></p>',
      '<p><em>Label “needs-triage” removed by @desk-bot</em></p>',
      '<p><em>Label “enhancement” added by @desk-bot</em></p>',
      '<p><em>Assigned to @hubot by @desk-bot</em></p>',
    ]);
    expect(story.every((t) => t.direction === 'out' && t.canReply === false)).to.equal(true);
    const stored = loop.desk.store.database.get(`${deskId(1)}_github_issue`)!.value as { state: string; reason: string };
    expect(stored).to.include({ state: 'closed', reason: 'completed' });

    // Reopen and unassign from the card, and close as not planned.
    const again = await card(1);
    await again.page.getByRole('button', { name: en['card.reopen'] }).click();
    await again.page.waitForSelector('.state--open');
    await settled(again);
    await again.page.getByRole('button', { name: en['card.unassign']!.replace('{login}', 'hubot') }).click();
    await again.page.waitForFunction(() => !document.querySelector('[data-assignee="hubot"]'));
    await settled(again);
    await again.page.getByRole('button', { name: en['card.closeNotPlanned'] }).click();
    await again.page.waitForSelector('.state--not-planned');
    expect(ghIssue(1)).to.include({ state: 'closed', state_reason: 'not_planned' });
    expect(ghIssue(1).assignees.map((a) => a.login)).to.deep.equal(['octocat']);
    await again.page.close();
  });

  it('falls back to what the last pull stored when GitHub is rate-limited, saying so, and offers no action', async () => {
    loop.gh.faults.add({
      match: { method: 'GET', path: `/repos/${REPO}/issues/1` },
      fault: { kind: 'rateLimit', type: 'primary', status: 403, retryAfter: 600 },
    });
    const o = await card(1);
    expect(await o.state()).to.equal('stored-rate-limited');
    const text = await o.text();
    expect(text).to.include(en['card.stored.rate-limited']!.split(':')[0]!);
    expect(text).to.include('Saving a file with an emoji');
    expect(text).to.include('needs-triage');
    expect(await o.page.locator('.gh-card button.btn').allInnerTexts(), 'only "try again"').to.deep.equal([en['card.retry']]);
    expect(await o.page.locator('.chip__remove, select').count()).to.equal(0);
    await shot(o, 'card-failing.png');
    clean(o);
    await o.page.getByRole('button', { name: en['card.retry'] }).click();
    await o.page.waitForSelector('.gh-card[data-state="live"]');
    await o.page.close();
  });

  it('falls back to the stored issue when GitHub cannot be reached or the connection may not read it', async () => {
    loop.gh.faults.add({ match: { path: `/repos/${REPO}/issues/1` }, fault: { kind: 'reset' } });
    const down = await card(1);
    expect(await down.state()).to.equal('stored-unavailable');
    expect(await down.text()).to.include(en['card.stored.unavailable']!.split(':')[0]!);
    await down.page.close();
    loop.gh.faults.add({ match: { path: `/repos/${REPO}/issues/1` }, fault: { kind: 'status', status: 404, body: { message: 'Not Found' } } });
    const hidden = await card(1);
    expect(await hidden.state()).to.equal('stored-not-found');
    await hidden.page.close();
    loop.gh.faults.add({ match: { path: `/repos/${REPO}/issues/1` }, fault: { kind: 'status', status: 401, body: { message: 'Bad credentials' } } });
    const unauthorised = await card(1);
    expect(await unauthorised.state()).to.equal('stored-no-permission');
    expect(await unauthorised.text()).to.include(en['card.stored.no-permission']!.split(':')[0]!);
    await unauthorised.page.close();
  });

  it("shows GitHub's refusal in plain words and leaves the card as it was: no write access, locked, rate limited", async () => {
    const o = await card(2);
    await o.page.waitForSelector('select[name="add-label"] option:nth-child(2)', { state: 'attached' });
    const refusedWith = async (key: string) => {
      await o.page.getByRole('button', { name: en['card.closeCompleted'] }).click();
      await o.page.waitForSelector('[role="alert"]');
      expect(await o.page.locator('[role="alert"]').innerText()).to.equal(en[key]);
      expect(await o.page.locator('.state--open').count(), 'the card still says open').to.equal(1);
      expect(ghIssue(2).state).to.equal('open');
    };
    loop.gh.setRepoWritable(REPO, false);
    await refusedWith('card.refused.no-permission');
    loop.gh.setRepoWritable(REPO, true);
    loop.gh.editIssue(REPO, 2, { locked: true });
    await refusedWith('card.refused.locked');
    loop.gh.editIssue(REPO, 2, { locked: false });
    loop.gh.faults.add({ match: { method: 'PATCH' }, fault: { kind: 'rateLimit', type: 'secondary', status: 429, retryAfter: 60 } });
    await refusedWith('card.refused.rate-limited');
    loop.gh.faults.add({ match: { method: 'PATCH' }, fault: { kind: 'reset' } });
    await refusedWith('card.refused.unavailable');
    clean(o);
    await o.page.close();
  });

  it('reads GitHub again on focus only after the short cache has passed', async () => {
    const o = await card(1);
    await o.page.waitForSelector('select[name="add-label"] option:nth-child(2)', { state: 'attached' });
    const first = issueReads();
    await o.page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await settled(o);
    expect(issueReads(), 'within 30 s: from the cache').to.equal(first);
    loop.gh.editIssue(REPO, 1, { state: 'closed' });
    await o.page.clock.fastForward(31_000);
    await o.page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await o.page.waitForSelector('.state--closed');
    expect(issueReads()).to.equal(first + 1);
    await o.page.close();
  });

  it('speaks the Desk locale (ja)', async () => {
    const o = await card(1, 'ja');
    const text = await o.text();
    expect(text).to.include(ja['card.state.open']).and.include(ja['card.labels']);
    clean(o);
    await o.page.close();
  });

  it("the picker lists the account's repositories page by page, filters, and writes a selection the next pull uses", async () => {
    for (let i = 0; i < 104; i++) loop.gh.createRepo(`acme/repo-${String(i).padStart(3, '0')}`);
    loop.gh.createIssue('acme/repo-103', { title: 'From the picked repository' });
    const o = await open('widget.html', {});
    await o.page.waitForSelector('.gh-picker .picker__list li input');
    expect(await o.page.locator('.picker__list input').count()).to.equal(100);
    await o.page.getByRole('button', { name: en['picker.more'] }).click();
    await o.page.waitForFunction(() => document.querySelectorAll('.picker__list input').length === 105);
    expect(await o.page.getByRole('button', { name: en['picker.more'] }).isHidden()).to.equal(true);
    expect(await o.page.locator(`.picker__list input[value="${REPO}"]`).isDisabled(), 'typed repositories stay').to.equal(true);
    await o.page.fill('.picker__filter', 'repo-103');
    expect(await o.page.locator('.picker__list input').count()).to.equal(1);
    await o.page.check('.picker__list input[value="acme/repo-103"]');
    await o.page.getByRole('button', { name: en['picker.save'] }).click();
    await o.page.waitForFunction((t) => document.querySelector('.picker__status')?.textContent === t, en['picker.saved']);
    expect(loop.desk.configParams.selected_repositories).to.equal('acme/repo-103');
    // The status above lists the picked repository at once, waiting for its first sync.
    await o.page.waitForSelector('section.repo[data-health="waiting"]');
    expect(await o.page.locator('.gh-sync .repo__name').allInnerTexts()).to.include('acme/repo-103');
    clean(o);
    await o.page.close();

    await loop.pullUntilQuiet();
    expect(loop.desk.store.tickets.has('acme/repo-103:1'), 'the next pull syncs the picked repository').to.equal(true);
    expect(loop.desk.store.tickets.has(`${REPO}:1`)).to.equal(true);
  });

  it('the picker says so when GitHub is rate-limited, and the SDK refuses to set a userdefined param', async () => {
    loop.gh.faults.add({ match: { path: '/user/repos' }, fault: { kind: 'rateLimit', type: 'primary', status: 403 } });
    const o = await open('widget.html', {});
    await o.page.waitForSelector('.picker__status--error');
    expect(await o.page.locator('.picker__status').innerText()).to.equal(en['picker.refused.rate-limited']);
    const refused = await o.page.evaluate(() =>
      window.ZOHODESK!.set!('extension.config', { name: 'repositories', value: 'evil/repo' }).then(
        () => 'set',
        () => 'refused',
      ),
    );
    expect(refused).to.equal('refused');
    expect(loop.desk.configParams.repositories).to.equal(REPO);
    await o.page.close();
  });
});
