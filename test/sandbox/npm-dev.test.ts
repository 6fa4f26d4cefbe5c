import { expect } from 'chai';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killRun, npmRun, stopThroughNpm } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const count = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

describe('npm run dev', function () {
  this.timeout(120_000);

  it('runs the sandbox, rebuilds the widget when a widget file changes, restarts the server when a server file changes; SIGTERM to npm stops all', async () => {
    const run = npmRun(root, 'dev', { SANDBOX_PULL_SECONDS: '2' });
    const banner = /GitHub Issues channel: sandbox/;
    const built = /created .*app\/js\/widget\.js/;
    try {
      await run.until(
        'the sandbox and the widget build',
        () => count(run.output(), banner) === 1 && count(run.output(), built) === 1 && /pull #1:/.test(run.output()),
      );
      const now = new Date();
      utimesSync(path.join(root, 'widget/main.ts'), now, now);
      await run.until('the widget rebuild', () => count(run.output(), built) === 2);
      utimesSync(path.join(root, 'sandbox/run-sandbox.ts'), now, now);
      await run.until('the sandbox restart', () => count(run.output(), banner) === 2);
      expect(run.output()).to.match(/stopping…/);
      await stopThroughNpm(run, 'SIGTERM');
    } finally {
      killRun(run);
    }
  });

  it('SIGINT to npm (Ctrl-C) stops the watchers and the sandbox', async () => {
    const run = npmRun(root, 'dev', { SANDBOX_PULL_SECONDS: '2' });
    try {
      await run.until('the first pull', () => /pull #1:/.test(run.output()));
      await stopThroughNpm(run, 'SIGINT');
    } finally {
      killRun(run);
    }
  });
});
