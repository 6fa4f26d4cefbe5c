import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startServer } from '../server/server.js';
import { createConnector } from '../server/channel-factory.js';
import { localConfig } from '../sandbox/local-config.js';
import { closeHttpServer } from '../sandbox/close-server.js';
import type { RequestLogEntry } from '../sandbox/fake-github/handle.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TOKEN = 'bench-token';

/** A request the fake GitHub answered, as its own log records it. */
export type FakeRequest = RequestLogEntry;

/** The fake GitHub in a child process, seeded with a scenario. */
export async function startFake(repos: Array<{ name: string; issues: number; comments: number }>) {
  const child: ChildProcess = fork(path.join(here, 'fake-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SCENARIO: JSON.stringify({ token: TOKEN, repos }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type: string; url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`fake GitHub exited ${code}`)));
  });
  return {
    url,
    /** The requests made since the last call, and the rate-limit points used so far. */
    drain: () =>
      new Promise<{ requests: FakeRequest[]; used: number }>((resolve) => {
        child.once('message', (m: { requests: FakeRequest[]; used: number }) => resolve(m));
        child.send({ type: 'requests' });
      }),
    close: async () => {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The channel server as deployed (direct transport, production logging to a null sink). */
export async function startChannel(githubApiUrl: string) {
  const config = localConfig({
    extensionSecret: 'bench-extension-secret',
    upstream: { apiUrl: githubApiUrl, token: TOKEN },
    pull: { maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 60_000, maxBytes: 5 * 1024 * 1024 },
  });
  return startServer(config, { ...createConnector(config), logDestination: { write: () => true } });
}

export interface PullSample {
  ms: number;
  cpuMs: number;
  bytes: number;
  text: string;
  peakRssDelta: number;
}

/** One pull as Desk makes it, timed from the Desk side. */
export async function pull(serverUrl: string, body: Record<string, unknown>, orgId = '1', sampleRss = true): Promise<PullSample> {
  const rss0 = process.memoryUsage.rss();
  let peak = rss0;
  // process.memoryUsage.rss() is the cheap reading; every 5 ms costs little CPU.
  const sampler = sampleRss ? setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await fetch(`${serverUrl}/desk/pull?orgId=${orgId}&securityContext=bench`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${text.slice(0, 200)}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: Buffer.byteLength(text), text, peakRssDelta: peak - rss0 };
}

const replayAgent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });

/**
 * The floor's GitHub half: the same requests to the same fake, bytes read and thrown
 * away, with the cheapest client at hand (undici's request API, as the server uses).
 */
export async function replay(githubUrl: string, requests: FakeRequest[], concurrency = 1): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const url = `${githubUrl}${r.path}?${new URLSearchParams(r.query)}`;
      const res = await request(url, {
        dispatcher: replayAgent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          accept: r.accept ?? 'application/vnd.github.full+json',
          'x-github-api-version': '2022-11-28',
          ...(r.ifNoneMatch ? { 'if-none-match': r.ifNoneMatch } : {}),
        },
      });
      await res.body.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}

/** The floor's Desk half: a bare node:http server answering the same pre-serialised bytes. */
export async function bareServer(payload: () => Buffer) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = payload();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async time(body: Record<string, unknown>): Promise<number> {
      const t0 = performance.now();
      const res = await fetch(`${url}/desk/pull?orgId=1&securityContext=bench`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.text();
      return performance.now() - t0;
    },
    close: () => closeHttpServer(server),
  };
}
