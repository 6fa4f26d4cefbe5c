import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { seedRealistic } from '../../sandbox/fake-github/activity.js';
import { startDeskSimulator } from '../../sandbox/desk-simulator/index.js';
import { alive } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'serve-test-github-token';
const SECRET = 'serve-test-secret-0123456';
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_loglevel: 'silent' };

/** The process's output so far, and a wait for a line it prints (a signal: the output event, not a poll). */
function watchOutput(child: ChildProcess) {
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  const take = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(out);
      if (!m) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return {
    text: () => out,
    line: (what: string, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const m = pattern.exec(out);
        if (m) return resolve(m);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}:\n${out}`)), ms);
        waiters.push({ pattern, resolve: (found) => (clearTimeout(timer), resolve(found)) });
      }),
  };
}

/** What an operator runs, through npm itself: `npm run build`, then `npm run serve`. */
describe('npm run build && npm run serve', function () {
  this.timeout(120_000);
  let gh: FakeGitHub;
  let repos: string[];

  before(async () => {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8', env: baseEnv });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    // History seeded over the past two days (as the sandbox does), so it is past the settle horizon.
    let skewMs = 2 * 86_400_000;
    gh = await startFakeGitHub({ token: TOKEN, now: () => Date.now() - skewMs });
    repos = seedRealistic(gh, undefined, () => void (skewMs = Math.max(3_600_000, skewMs - 37 * 60_000)));
    skewMs = 0;
  });
  after(async () => gh?.close());

  it('builds the server into dist/ without the sandbox, and the widget into app/js', () => {
    expect(existsSync(path.join(root, 'dist/server/main.js'))).to.equal(true);
    expect(existsSync(path.join(root, 'dist/sandbox')) || existsSync(path.join(root, 'dist/server/sandbox'))).to.equal(false);
    expect(existsSync(path.join(root, 'app/js/widget.js'))).to.equal(true);
  });

  it('lists every bad or missing setting at once and exits 2, never starting the sandbox', () => {
    const bad = spawnSync('npm', ['run', '--silent', 'serve'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...baseEnv, EXTENSION_SECRET: 'short', DESK_URL_KEY: 'not a key', DESK_API_URL: 'http://desk.example.com', SHUTDOWN_GRACE_MS: 'soon' },
    });
    expect(bad.status).to.equal(2);
    for (const name of ['EXTENSION_SECRET must be at least 16', 'DESK_URL_KEY', 'DESK_API_URL', 'SHUTDOWN_GRACE_MS']) expect(bad.stderr).to.include(name);
    expect(bad.stderr).not.to.match(/^\s+at /m);
    const none = spawnSync('npm', ['run', '--silent', 'serve'], { cwd: root, encoding: 'utf8', env: baseEnv });
    expect(none.status).to.equal(2);
    expect(none.stderr).to.include('EXTENSION_SECRET is required');
    expect(none.stdout + none.stderr).not.to.match(/sandbox|fake GitHub/i);
  });

  it('SIGTERM to npm drains: readiness 503, the port closes, the pull in flight finishes, node exits 0 and no process remains', async () => {
    const npm: ChildProcess = spawn('npm', ['run', '--silent', 'serve'], {
      cwd: root,
      env: {
        ...baseEnv,
        EXTENSION_SECRET: SECRET,
        TRANSPORT: 'direct',
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: gh.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SHUTDOWN_DELAY_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(npm);
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    let nodePid = 0;
    try {
      const [, url, pid] = await output.line('the server to listen', /listening on (http:\/\/\S+) .*pid (\d+)/);
      nodePid = Number(pid);
      expect(nodePid).not.to.equal(npm.pid);
      expect((await fetch(`${url}/readyz`)).status).to.equal(200);

      // A pull is in flight, held by the fake GitHub at its first request.
      let release!: () => void;
      let arrive!: () => void;
      const arrived = new Promise<void>((r) => (arrive = r));
      gh.faults.add({
        match: { path: /^\/repos\// },
        fault: { kind: 'gate', release: new Promise<void>((r) => (release = r)), arrived: () => arrive() },
      });
      const desk = await startDeskSimulator({
        secret: SECRET,
        channel: { pullUrl: `${url}/desk/pull`, pushUrl: `${url}/desk/push` },
        configParams: { repositories: repos.join(','), importSince: 'all' },
      });
      const pull = desk.pullOnce();
      await arrived;

      process.kill(npm.pid!, 'SIGTERM');
      await output.line('the drain to start', /SIGTERM: draining/);
      expect((await fetch(`${url}/readyz`)).status, 'readiness once draining').to.equal(503);
      expect((await fetch(`${url}/healthz`)).status).to.equal(200);
      await output.line('the port to close', /port closed: no new connections/);
      const refused = await fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
      expect(refused, 'no new connection once the port closed').to.equal(true);
      expect(alive(nodePid), 'node still runs the pull').to.equal(true);

      release();
      const outcome = await pull;
      expect(outcome.ok, JSON.stringify(outcome)).to.equal(true);
      expect(desk.store.tickets.size).to.be.greaterThan(0);
      await desk.close();
      expect(await exited).to.equal(0);
      // npm exits only once its child has: node is gone by now.
      expect(alive(nodePid), 'node is gone').to.equal(false);
      expect(output.text()).to.include('stopped: every request in flight finished');
    } finally {
      if (nodePid && alive(nodePid)) process.kill(nodePid, 'SIGKILL');
      npm.kill('SIGKILL');
    }
  });
});
