import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort } from '../../sandbox/free-port.js';

/** A port free on 127.0.0.1 right now, for a program that cannot listen on port 0 and say which it got. */
export { freePort };

/** Resolves once `port` on 127.0.0.1 accepts a connection (or rejects after `ms`). */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 50))) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port}`);
  }
}

export interface Daemon {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Debian's redis-server on a free loopback port, no persistence, optionally with a password. */
export async function startRedis(o: { password?: string } = {}): Promise<Daemon & { url: string }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(o.password ? ['--requirepass', o.password] : [])];
  const d = await daemon('/usr/bin/redis-server', args, port);
  return { ...d, url: `redis://${o.password ? `:${encodeURIComponent(o.password)}@` : ''}127.0.0.1:${port}` };
}

/** Starts a program that listens on `port`, keeping its output for failure messages. */
export async function daemon(cmd: string, args: string[], port: number, env?: NodeJS.ProcessEnv): Promise<Daemon> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await Promise.race([waitForPort(port), exited.then((code) => Promise.reject(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`)))]);
  return {
    port,
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Every process below `pid` now (children, their children…), read from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name sits in parentheses and may hold spaces: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
    found.push(...next);
    frontier = next;
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An npm script started through npm itself, as a user or a process manager has it, with its output kept. */
export interface NpmRun {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once `check` holds, or throws after `ms` with the output's tail. */
  until(what: string, check: () => boolean, ms?: number): Promise<void>;
}

export function npmRun(cwd: string, script: string, env: Record<string, string> = {}): NpmRun {
  const npm = spawn('npm', ['run', script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_loglevel: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  return {
    npm,
    output: () => out,
    exited,
    async until(what, check, ms = 40_000) {
      for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${out.slice(-3000)}`);
      }
    },
  };
}

/**
 * Sends `signal` to npm's pid only, as a terminal's Ctrl-C or a process manager does, and
 * checks that npm exits 0 and that every process it had started is gone.
 */
export async function stopThroughNpm(run: NpmRun, signal: NodeJS.Signals): Promise<void> {
  const below = descendants(run.npm.pid!);
  if (below.length === 0) throw new Error(`npm started nothing:\n${run.output().slice(-2000)}`);
  run.npm.kill(signal);
  const timedOut = new Promise<string>((r) => setTimeout(() => r('still running 45 s after the signal'), 45_000).unref());
  const code = await Promise.race([run.exited, timedOut]);
  if (code !== 0) throw new Error(`npm answered ${signal} with ${String(code)}:\n${run.output().slice(-3000)}`);
  await run.until('every process npm started to end', () => below.every((pid) => !alive(pid)), 10_000);
}

/** Kills whatever of a run is left (a test's finally). */
export function killRun(run: NpmRun): void {
  for (const pid of [run.npm.pid!, ...descendants(run.npm.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
}
