/**
 * A fleet on 127.0.0.1 as the README's Deploying section describes it: replicas of the
 * built server (dist/, started with node as `npm run serve` does) behind Debian's
 * HAProxy, which checks /readyz; optionally Debian's redis-server as the claim store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemon, freePort, type Daemon } from '../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Replica {
  name: string;
  port: number;
  process?: Daemon;
}

/** HAProxy's configuration: round robin, /readyz checked every 250 ms, a refused connection retried on another replica. */
export function haproxyConfig(lbPort: number, statsPort: number, replicas: Replica[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 10s',
    // A check answers within a second even on a busy replica (without this HAProxy allows only `inter`).
    '  timeout check 1s',
    '  retries 3',
    '  option redispatch 1',
    'frontend channel',
    `  bind 127.0.0.1:${lbPort}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server check inter 250ms fall 2 rise 2',
    ...replicas.map((r) => `  server ${r.name} 127.0.0.1:${r.port}`),
    'listen stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

export class Cluster {
  readonly replicas: Replica[] = [];
  lbUrl = '';
  #statsUrl = '';
  #haproxy: Daemon | undefined;
  #dir = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(count: number): Promise<void> {
    for (let i = 1; i <= count; i++) this.replicas.push({ name: `r${i}`, port: await freePort() });
    await Promise.all(this.replicas.map((r) => this.startReplica(r)));
    const [lbPort, statsPort] = [await freePort(), await freePort()];
    this.#dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-'));
    const cfg = path.join(this.#dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(lbPort, statsPort, this.replicas));
    this.#haproxy = await daemon('/usr/sbin/haproxy', ['-f', cfg, '-db'], lbPort);
    this.lbUrl = `http://127.0.0.1:${lbPort}`;
    this.#statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
    for (const r of this.replicas) await this.waitFor(r, 'UP');
  }

  async startReplica(r: Replica, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
    r.process = await daemon(process.execPath, ['--enable-source-maps', path.join(root, 'dist/server/main.js')], r.port, {
      ...this.env,
      ...extraEnv,
      PORT: String(r.port),
      HOST: '127.0.0.1',
    });
  }

  /** HAProxy's view of each replica: status and sessions handled so far. */
  async stats(): Promise<Map<string, { status: string; sessions: number }>> {
    const csv = await (await fetch(this.#statsUrl)).text();
    const [header, ...rows] = csv
      .replace(/^# /, '')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    const out = new Map<string, { status: string; sessions: number }>();
    for (const row of rows)
      if (row[col('pxname')] === 'replicas') out.set(row[col('svname')]!, { status: row[col('status')]!, sessions: Number(row[col('stot')]) });
    return out;
  }

  async waitFor(r: Replica, status: 'UP' | 'DOWN', ms = 15_000): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((res) => setTimeout(res, 50))) {
      if ((await this.stats()).get(r.name)?.status.startsWith(status)) return;
    }
    throw new Error(`HAProxy never saw ${r.name} ${status}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.process?.stop('SIGKILL')));
    await this.#haproxy?.stop();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
