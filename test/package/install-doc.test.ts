import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipFile } from '../../scripts/zip-entries.js';
import { daemon, freePort, type Daemon } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The ```sh blocks of one numbered section of docs/install.md, as an admin copies them. */
function shellBlocks(step: number): string[] {
  const doc = readFileSync(path.join(root, 'docs/install.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(`${step}. `)) ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * docs/install.md walked as written, in a home of its own: step 1 makes the secrets
 * file, step 4 packs from it, and the server run with the same file accepts what the
 * zip's URLs and secret say (the URL key and the callback HASH).
 */
describe('docs/install.md, walked step by step', function () {
  this.timeout(120_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'install-walk-'));
  const bash = (script: string, extraEnv: Record<string, string> = {}) =>
    spawnSync('bash', ['--norc', '--noprofile', '-eo', 'pipefail', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, npm_config_loglevel: 'silent', ...extraEnv },
    });
  let server: Daemon | undefined;
  after(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps the secrets in a file of mode 0600, printing none, and the packed zip and the server agree on key and secret', async () => {
    const [makeSecrets, runServer] = shellBlocks(1);
    expect(runServer, 'step 1 runs the server from the same file').to.match(/\. ~\/github-channel\.env/);
    const made = bash(makeSecrets!);
    expect(made.status, made.stderr).to.equal(0);
    expect(made.stdout + made.stderr, 'nothing printed').to.equal('');
    const file = path.join(home, 'github-channel.env');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const values = Object.fromEntries(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    expect(Object.keys(values).sort()).to.deep.equal(['DESK_URL_KEY', 'EXTENSION_SECRET']);

    const [packStep] = shellBlocks(4);
    const zip = path.join(home, 'walk.zip');
    // Only the output path is added: a test never writes the documented dist/ zip.
    const packed = bash(`${packStep!.trim()} --out "${zip}"`);
    expect(packed.status, packed.stdout + packed.stderr).to.equal(0);
    expect(packed.stdout + packed.stderr, 'no value echoed').not.to.include(values.DESK_URL_KEY);
    const resources = JSON.parse(zipFile(zip, 'resources.json').toString('utf8'));
    const manifest = JSON.parse(zipFile(zip, 'plugin-manifest.json').toString('utf8'));

    const port = await freePort();
    server = await daemon(process.execPath, ['--import', 'tsx', 'server/main.ts'], port, {
      PATH: process.env.PATH ?? '',
      HOME: home,
      ...values,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const local = (packedUrl: string): string => {
      const u = new URL(packedUrl);
      return `http://127.0.0.1:${port}${u.pathname}${u.search}`;
    };
    const body = JSON.stringify({ event: 'onInstall', orgId: 60012345, securityContext: 'walk-security-context' });
    const hash = createHmac('sha256', manifest.secret).update(body, 'utf8').digest('hex');
    const res = await fetch(local(manifest.callbackListener.onInstall), { method: 'POST', headers: { 'content-type': 'application/json', HASH: hash }, body });
    expect(res.status).to.equal(200);
    expect(await res.json(), 'the key and the HASH verify').to.deep.include({ acted: true });
    const pull = await fetch(`${local(resources.channel.sync.pull)}&orgId=1&securityContext=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(pull.status, 'the packed pull URL carries the server key').not.to.equal(401);
  });
});
