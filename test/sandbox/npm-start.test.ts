import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start with no configuration', function () {
  this.timeout(60_000);

  it('runs the sandbox: tickets and threads arrive, a reply goes back, the widget is served, Ctrl-C stops it cleanly', async () => {
    // What `npm start` runs, without npm in between so the signal reaches it directly.
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/sandbox/start.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_PULL_SECONDS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 40_000;
      const delivered = /delivery (issues|issue_comment)\.\w+ +\S+ -> import of \d+ tickets \+ \d+ threads in \d+ ms/;
      while (
        !(/agent replied on .* -> GitHub comment \d+/.test(out) && /pull #\d+: +\d+ tickets +\d+ threads/.test(out) && delivered.test(out)) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(out).to.match(/pull #1: +[1-9]\d* tickets +[1-9]\d* threads/);
      expect(out).to.match(/agent replied on .* -> GitHub comment \d+/);
      expect(out, "the activity's writes arrive by webhook, one line each with its latency").to.match(delivered);
      const widgetUrl = /status widget +(http:\/\/127\.0\.0\.1:\d+\/app\/widget\.html)/.exec(out)?.[1];
      expect(widgetUrl, out).to.be.a('string');
      const page = await fetch(widgetUrl!);
      expect(page.status).to.equal(200);
      const config = (await (await fetch(new URL('/sandbox/config', widgetUrl!))).json()) as Array<{ name: string; value: string | null }>;
      expect(config.find((c) => c.name === 'channelState')?.value).to.match(/^\{"v":1,/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).to.equal(0);
    expect(out).to.match(/stopped after \d+ pulls: Desk holds \d+ tickets/);
  });
});
