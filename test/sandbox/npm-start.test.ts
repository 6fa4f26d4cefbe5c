import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, descendants } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm start` itself, npm in between as a user or a process manager has it. */
function npmStart(): { npm: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_PULL_SECONDS: '1', npm_config_loglevel: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  return { npm, output: () => out, exited };
}

async function until(what: string, output: () => string, check: () => boolean, ms = 40_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${output().slice(-3000)}`);
  }
}

/** Sends `signal` to npm's pid only, and checks that npm and everything it started are gone. */
async function stopThroughNpm(run: ReturnType<typeof npmStart>, signal: NodeJS.Signals): Promise<void> {
  const below = descendants(run.npm.pid!);
  expect(below, 'npm started the sandbox').to.have.length.greaterThan(0);
  run.npm.kill(signal);
  const timedOut = new Promise<string>((r) => setTimeout(() => r('still running 45 s after the signal'), 45_000).unref());
  expect(await Promise.race([run.exited, timedOut]), run.output().slice(-3000)).to.equal(0);
  await until('every process npm started to end', run.output, () => below.every((pid) => !alive(pid)), 10_000);
  expect(run.output()).to.match(/stopped after \d+ pulls: Desk holds \d+ tickets/);
}

describe('npm start with no configuration', function () {
  this.timeout(120_000);

  it('runs the sandbox: tickets and threads arrive, a reply goes back, the widget is served; SIGINT to npm stops everything', async () => {
    const run = npmStart();
    try {
      const delivered = /delivery (issues|issue_comment)\.\w+ +\S+ -> import of \d+ tickets \+ \d+ threads in \d+ ms/;
      await until('a pull, a reply and a delivery', run.output, () => {
        const out = run.output();
        return /agent replied on .* -> GitHub comment \d+/.test(out) && /pull #\d+: +\d+ tickets +\d+ threads/.test(out) && delivered.test(out);
      });
      const out = run.output();
      expect(out).to.match(/pull #1: +[1-9]\d* tickets +[1-9]\d* threads/);
      expect(out, "the activity's writes arrive by webhook, one line each with its latency").to.match(delivered);
      const widgetUrl = /status widget +(http:\/\/127\.0\.0\.1:\d+\/app\/widget\.html)/.exec(out)?.[1];
      expect(widgetUrl, out).to.be.a('string');
      expect((await fetch(widgetUrl!)).status).to.equal(200);
      const config = (await (await fetch(new URL('/sandbox/config', widgetUrl!))).json()) as Array<{ name: string; value: string | null }>;
      expect(config.find((c) => c.name === 'channelState')?.value).to.match(/^\{"v":1,/);
      await stopThroughNpm(run, 'SIGINT');
    } finally {
      for (const pid of [run.npm.pid!, ...descendants(run.npm.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('SIGTERM to npm (a process manager stopping it) leaves no process running', async () => {
    const run = npmStart();
    try {
      await until('the first pull', run.output, () => /pull #1:/.test(run.output()));
      await stopThroughNpm(run, 'SIGTERM');
    } finally {
      for (const pid of [run.npm.pid!, ...descendants(run.npm.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
