import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, descendants } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const count = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

describe('npm run dev', function () {
  this.timeout(90_000);

  it('runs the sandbox, rebuilds the widget when a widget file changes, restarts the server when a server file changes; SIGTERM to npm stops all', async () => {
    // `npm run dev` itself: the signal goes to npm's pid, as a terminal or a process manager sends it.
    const child = spawn('npm', ['run', 'dev'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_PULL_SECONDS: '2', npm_config_loglevel: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (what: string, check: () => boolean): Promise<void> => {
      for (const end = Date.now() + 40_000; !check(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${out.slice(-3000)}`);
      }
    };
    const banner = /GitHub Issues channel: sandbox/;
    const built = /created .*app\/js\/widget\.js/;
    let below: number[] = [];
    try {
      await until('the sandbox and the widget build', () => count(out, banner) === 1 && count(out, built) === 1 && /pull #1:/.test(out));
      const now = new Date();
      utimesSync(path.join(root, 'widget/main.ts'), now, now);
      await until('the widget rebuild', () => count(out, built) === 2);
      utimesSync(path.join(root, 'server/sandbox/run-sandbox.ts'), now, now);
      await until('the sandbox restart', () => count(out, banner) === 2);
      expect(out).to.match(/stopping…/);
    } finally {
      below = descendants(child.pid!);
      child.kill('SIGTERM');
    }
    expect(await exited, out.slice(-2000)).to.equal(0);
    for (const end = Date.now() + 10_000; below.some(alive) && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    expect(below.filter(alive), 'processes left running').to.deep.equal([]);
  });

  it('SIGINT to npm (Ctrl-C) stops the watchers and the sandbox', async () => {
    const child = spawn('npm', ['run', 'dev'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_PULL_SECONDS: '2', npm_config_loglevel: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (const end = Date.now() + 40_000; !/pull #1:/.test(out) && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    const below = descendants(child.pid!);
    expect(below, out.slice(-2000)).to.have.length.greaterThan(2);
    child.kill('SIGINT');
    expect(await exited, out.slice(-2000)).to.equal(0);
    for (const end = Date.now() + 10_000; below.some(alive) && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    expect(below.filter(alive), 'processes left running').to.deep.equal([]);
  });
});
