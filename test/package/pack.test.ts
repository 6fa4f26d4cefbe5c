import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack as packInto, type PackOptions } from '../../scripts/pack.js';
import { zipFile } from '../../scripts/zip-entries.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Every zip of these tests goes to a temporary folder: none lands at dist/'s documented
// output path holding a test secret.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pack-test-'));
let packs = 0;
const pack = (o: PackOptions): ReturnType<typeof packInto> => packInto({ out: path.join(tmp, `p${packs++}.zip`), ...o });
const URL_KEY = 'pack-test-url-key-0123';
/** `npm run pack` itself, through npm, with only the environment given. */
function npmPack(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync('npm', ['run', '--silent', 'pack', '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_loglevel: 'silent', ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('The extension package', function () {
  this.timeout(180_000);
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('passes the real `zet validate` at the project root with no error', () => {
    const r = spawnSync(path.join(root, 'node_modules/.bin/zet'), ['validate'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).to.equal(0);
    expect(out).not.to.match(/✖|error|not found|missing/i);
  });

  it('packs with `zet pack` into a zip of exactly the manifest, resources.json and the built app/ files', () => {
    const { entries } = pack({ baseUrl: 'https://channel.test.example', urlKey: 'k'.repeat(20), secret: 'pack-test-secret-0123', log: () => undefined });
    const expected = [
      'plugin-manifest.json',
      'resources.json',
      ...filesUnder(path.join(root, 'app')).map((f) => path.relative(root, f).split(path.sep).join('/')),
    ].sort();
    const got = entries.filter((e) => !e.endsWith('/')).sort();
    expect(got).to.deep.equal(expected);
    expect(
      got.some((e) => e.startsWith('app/js/') && e.endsWith('.js')),
      'the built widget is in the zip',
    ).to.equal(true);
    // Both widgets: the status page and the ticket card, each page with its bundle.
    for (const f of ['app/widget.html', 'app/js/widget.js', 'app/card.html', 'app/js/card.js']) expect(got, f).to.include(f);
    const manifest = JSON.parse(readFileSync(path.join(root, 'plugin-manifest.json'), 'utf8')) as {
      storage: boolean;
      modules: { widgets: Array<{ location: string; url: string }> };
    };
    expect(manifest.storage, 'extra needs data storage').to.equal(true);
    expect(manifest.modules.widgets.map((w) => [w.location, w.url])).to.deep.equal([
      ['desk.extension.preference', '/app/widget.html'],
      ['desk.ticket.detail.rightpanel', '/app/card.html'],
    ]);
    expect(got.filter((e) => /\.(ts|map)$/.test(e))).to.deep.equal([]);
  });

  it('writes the deployment into the packed manifest: GitHub origin whitelisted, connections shared by --shared-by', () => {
    const plain = pack({ baseUrl: 'https://channel.test.example', secret: 'pack-test-secret-0123', urlKey: URL_KEY, skipBuild: true, log: () => undefined });
    const github = JSON.parse(zipFile(plain.zip, 'plugin-manifest.json').toString('utf8'));
    expect(github.whiteListedDomains).to.deep.equal(['https://api.github.com', 'https://desk.zoho.com']);
    expect(github.connectors[0]).not.to.have.property('sharedBy');

    const ghes = pack({
      baseUrl: 'https://channel.test.example',
      secret: 'pack-test-secret-0123',
      noUrlKey: true,
      sharedBy: '64000123',
      githubApiUrl: 'https://ghe.acme.test/api/v3',
      skipBuild: true,
      log: () => undefined,
    });
    const manifest = JSON.parse(zipFile(ghes.zip, 'plugin-manifest.json').toString('utf8'));
    expect(manifest.whiteListedDomains).to.deep.equal(['https://ghe.acme.test', 'https://desk.zoho.com']);
    expect(manifest.connectors.map((c: { sharedBy?: string }) => c.sharedBy)).to.deep.equal(['64000123']);
    expect(manifest.zohoAuthorisation.sharedBy).to.equal('64000123');
    expect(manifest.config.map((c: { name: string }) => c.name)).to.deep.equal([
      'repositories',
      'labels',
      'import_since',
      'include_pull_requests',
      'story_threads',
      'selected_repositories',
      'loop_closed_status',
      'loop_reopen_status',
      'loop_draft_template',
      'loop_from_address',
      'loop_label',
      'links_field',
      'links_in_use',
    ]);
    expect(() => pack({ sandbox: true, sharedBy: 'someone', skipBuild: true, log: () => undefined })).to.throw(/--shared-by/);
  });

  it('refuses, with exit 2 and one line, a pack that cannot work, and leaves no zip at the output path', () => {
    const out = path.join(tmp, 'refused.zip');
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[], {}, /--base-url .*is required.*EXTENSION_SECRET is required.*DESK_URL_KEY is required/],
      [['--base-url', 'https://channel.test.example'], { DESK_URL_KEY: URL_KEY }, /EXTENSION_SECRET is required/],
      [['--base-url', 'https://channel.test.example'], { EXTENSION_SECRET: '', DESK_URL_KEY: URL_KEY }, /EXTENSION_SECRET is set but empty/],
      [['--base-url', 'https://channel.test.example'], { EXTENSION_SECRET: 'pack-test-secret-0123', DESK_URL_KEY: '' }, /DESK_URL_KEY is set but empty/],
      [['--base-url', 'https://channel.test.example'], { EXTENSION_SECRET: 'pack-test-secret-0123' }, /DESK_URL_KEY is required/],
      [['--base-url=http://channel.test.example'], { EXTENSION_SECRET: 'pack-test-secret-0123', DESK_URL_KEY: URL_KEY }, /must be an https/],
      [['--kye', 'x', '--base-url', 'https://channel.test.example'], {}, /unknown option "--kye"/],
      [['--key', URL_KEY], {}, /--key is not taken on the command line .* DESK_URL_KEY/],
      [['--base-url'], {}, /--base-url needs a value/],
    ];
    for (const [args, env, message] of cases) {
      writeFileSync(out, 'an older zip');
      const r = npmPack([...args, '--out', out], env);
      expect(r.status, `${args.join(' ')}: ${r.out}`).to.equal(2);
      expect(r.out.trim().split('\n'), r.out).to.have.length(1);
      expect(r.out).to.match(message);
      expect(r.out, 'no secret echoed').not.to.include(URL_KEY);
      expect(r.out).not.to.match(/^\s+at /m);
      expect(existsSync(out), `${args.join(' ')} left a zip`).to.equal(false);
    }
  });

  it('takes --opt=value and --opt value alike, and the key and secret from the environment only', () => {
    const out = path.join(tmp, 'cli.zip');
    const r = npmPack(['--base-url=https://channel.test.example/', '--shared-by', '64000123', `--out=${out}`], {
      EXTENSION_SECRET: 'pack-test-secret-0123',
      DESK_URL_KEY: URL_KEY,
    });
    expect(r.status, r.out).to.equal(0);
    expect(r.out).not.to.include(URL_KEY);
    expect(r.out).not.to.include('pack-test-secret-0123');
    const resources = JSON.parse(zipFile(out, 'resources.json').toString('utf8'));
    expect(resources.channel.sync.pull).to.equal(`https://channel.test.example/desk/pull?key=${URL_KEY}`);
    const manifest = JSON.parse(zipFile(out, 'plugin-manifest.json').toString('utf8'));
    expect(manifest.secret).to.equal('pack-test-secret-0123');
    expect(manifest.connectors[0].sharedBy).to.equal('64000123');
  });

  it('packs a local package with --sandbox only, with placeholders and a name of its own', () => {
    const out = path.join(tmp, 'sandbox.zip');
    const r = npmPack(['--sandbox', '--out', out]);
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.match(/sandbox package/);
    const resources = JSON.parse(zipFile(out, 'resources.json').toString('utf8'));
    expect(resources.channel.sync.pull).to.equal('https://channel.example.com/desk/pull');
    expect(
      path.basename(
        // The default output of a sandbox pack never takes the production zip's name.
        spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./scripts/pack.ts').then((m) => console.log(m.defaultOutput(true)))"], {
          cwd: root,
          encoding: 'utf8',
        }).stdout.trim(),
      ),
    ).to.equal('github-issues-channel-sandbox.zip');
  });
});
