import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killRun, npmRun, stopThroughNpm } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm start` itself, npm in between as a user or a process manager has it. */
const npmStart = () => npmRun(root, 'start', { SANDBOX_PULL_SECONDS: '1' });

describe('npm start with no configuration', function () {
  this.timeout(120_000);

  it('runs the sandbox: tickets and threads arrive, a reply goes back, linked tickets hear of their closed issue, the widget is served; SIGINT to npm stops everything', async () => {
    const run = npmStart();
    try {
      const delivered = /delivery (issues|issue_comment)\.\w+ +\S+ -> import of \d+ tickets \+ \d+ threads in \d+ ms/;
      await run.until('a pull, a reply and a delivery', () => {
        const out = run.output();
        return (
          /agent replied on .* -> GitHub comment \d+/.test(out) &&
          /pull #\d+: +\d+ tickets +\d+ threads/.test(out) &&
          delivered.test(out) &&
          /escalation: CHAT ticket \d+ has its private note/.test(out) &&
          /escalation: EMAIL ticket \d+ has its private note/.test(out)
        );
      });
      const out = run.output();
      expect(out).to.match(/pull #1: +[1-9]\d* tickets +[1-9]\d* threads/);
      expect(out, "the activity's writes arrive by webhook, one line each with its latency").to.match(delivered);
      expect(out, 'the issue closed on the fake GitHub reaches the linked e-mail ticket: note, admin status and draft').to.match(
        /escalation: EMAIL ticket \d+ has its private note, status "Fixed - tell customer" and a draft reply/,
      );
      expect(out).to.include("escalation: GitHub's issue says: **2 help-desk tickets are linked to this issue.**");
      const widgetUrl = /status widget +(http:\/\/127\.0\.0\.1:\d+\/app\/widget\.html)/.exec(out)?.[1];
      expect(widgetUrl, out).to.be.a('string');
      expect((await fetch(widgetUrl!)).status).to.equal(200);
      const config = (await (await fetch(new URL('/sandbox/config', widgetUrl!))).json()) as Array<{ name: string; value: string | null }>;
      expect(config.find((c) => c.name === 'channelState')?.value).to.match(/^\{"v":1,/);
      await stopThroughNpm(run, 'SIGINT');
      expect(run.output()).to.match(/stopped after \d+ pulls: Desk holds \d+ tickets/);
    } finally {
      killRun(run);
    }
  });

  it('SIGTERM to npm (a process manager stopping it) leaves no process running', async () => {
    const run = npmStart();
    try {
      await run.until('the first pull', () => /pull #1:/.test(run.output()));
      await stopThroughNpm(run, 'SIGTERM');
      expect(run.output()).to.match(/stopped after \d+ pulls: Desk holds \d+ tickets/);
    } finally {
      killRun(run);
    }
  });
});
