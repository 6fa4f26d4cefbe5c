import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from '../../scripts/pack.js';
import { zipFile } from '../../scripts/zip-entries.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('The extension package', function () {
  this.timeout(180_000);

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
    const plain = pack({ baseUrl: 'https://channel.test.example', secret: 'pack-test-secret-0123', skipBuild: true, log: () => undefined });
    const github = JSON.parse(zipFile(plain.zip, 'plugin-manifest.json').toString('utf8'));
    expect(github.whiteListedDomains).to.deep.equal(['https://api.github.com']);
    expect(github.connectors[0]).not.to.have.property('sharedBy');

    const ghes = pack({
      baseUrl: 'https://channel.test.example',
      secret: 'pack-test-secret-0123',
      sharedBy: '64000123',
      githubApiUrl: 'https://ghe.acme.test/api/v3',
      skipBuild: true,
      log: () => undefined,
    });
    const manifest = JSON.parse(zipFile(ghes.zip, 'plugin-manifest.json').toString('utf8'));
    expect(manifest.whiteListedDomains).to.deep.equal(['https://ghe.acme.test']);
    expect(manifest.connectors.map((c: { sharedBy?: string }) => c.sharedBy)).to.deep.equal(['64000123']);
    expect(manifest.zohoAuthorisation.sharedBy).to.equal('64000123');
    expect(manifest.config.map((c: { name: string }) => c.name)).to.deep.equal([
      'repositories',
      'labels',
      'import_since',
      'include_pull_requests',
      'story_threads',
      'selected_repositories',
    ]);
    expect(() => pack({ sharedBy: 'someone', skipBuild: true, log: () => undefined })).to.throw(/--shared-by/);
  });
});
