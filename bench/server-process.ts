/**
 * The channel server in a process of its own, as the attack benches run it (a blocked
 * event loop there must not stall the client measuring it): `tsx server/main.ts` of
 * `root` (this tree, or another one for a before/after) on a free loopback port.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../sandbox/free-port.js';
import { round } from './stats.js';

/** Linux's USER_HZ, the unit of /proc's CPU times (100 on every architecture Node runs on here). */
const CLOCK_TICKS = 100;

export interface ServerProcess {
  port: number;
  url: string;
  /** Resident memory of the node process that listens (tsx runs the server in a child of its own). */
  rssMB(): number;
  /** CPU time (user + system) the listening process has used so far, in ms: the server's alone. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** `env` is the server's whole environment besides PATH, HOME, MODE, PORT and HOST; `port` when it must be known first (PUBLIC_URL). */
export async function startServerProcess(root: string, env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const listenOn = port ?? (await freePort());
  const server = spawn(path.join(root, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MODE: 'production', PORT: String(listenOn), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const pid = children[0] ?? server.pid!;
  return {
    port: listenOn,
    url: `http://127.0.0.1:${listenOn}`,
    rssMB: () => round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024),
    cpuMs: () => {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks; the name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    },
  };
}
