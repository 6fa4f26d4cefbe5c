import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const count = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

describe('npm run dev', function () {
  this.timeout(90_000);

  it('runs the sandbox, rebuilds the widget when a widget file changes, restarts the server when a server file changes, and stops on SIGINT', async () => {
    // What `npm run dev` runs, without npm in between so the signal reaches it directly.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_PULL_SECONDS: '2' },
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
    try {
      await until('the sandbox and the widget build', () => count(out, banner) === 1 && count(out, built) === 1 && /pull #1:/.test(out));
      const now = new Date();
      utimesSync(path.join(root, 'widget/main.ts'), now, now);
      await until('the widget rebuild', () => count(out, built) === 2);
      utimesSync(path.join(root, 'server/sandbox/run-sandbox.ts'), now, now);
      await until('the sandbox restart', () => count(out, banner) === 2);
      expect(out).to.match(/stopping…/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).to.equal(0);
  });
});
