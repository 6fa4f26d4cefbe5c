/**
 * `npm run dev`: the sandbox (as `npm start`) restarted when a server file changes
 * (tsx watch), and the widget rebuilt when a widget file changes (rollup --watch); the
 * sandbox serves app/js/widget.js from disk, so a reload of the widget page shows it.
 * Ctrl-C (or SIGTERM) stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string): string => path.join(root, 'node_modules/.bin', name);
const env = { ...process.env, npm_config_loglevel: 'silent' };

const children: ChildProcess[] = [
  spawn(bin('rollup'), ['-c', 'rollup.config.mjs', '--watch', '--no-watch.clearScreen'], { cwd: root, env, stdio: 'inherit' }),
  spawn(bin('tsx'), ['watch', '--clear-screen=false', 'sandbox/start.ts'], { cwd: root, env, stdio: 'inherit' }),
];
let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const codes = await Promise.all(
  children.map(
    (c) =>
      new Promise<number>((resolve) =>
        c.on('exit', (code) => {
          // One watcher gone on its own: stop the other rather than run half a loop.
          if (!stopping) stop('SIGTERM');
          resolve(code ?? 0);
        }),
      ),
  ),
);
process.exit(stopping && codes.every((c) => c === 0 || c === 130 || c === 143) ? 0 : 1);
