/**
 * A flood of signed deliveries while Desk's import hangs (issue 23's finding 2),
 * measured: for FLOOD_SECONDS (default 60) a client sends valid `issues.opened`
 * deliveries for distinct issues, 32 at a time, to a server whose DESK_API_URL accepts
 * connections and never answers. Reports the server's resident memory each 5 s, the
 * answers by status, and /healthz meanwhile. The server runs in a process of its own.
 *   npx tsx bench/webhook-flood.ts
 *   ROOT=/path/to/other/tree npx tsx bench/webhook-flood.ts   # another tree, for a before/after
 * Prints JSON; not part of bench/results.json.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { hookKeys, hookSecret, sealTarget } from '../server/connectors/github/webhooks/seal.js';
import { median, percentile, round } from './stats.js';
import { startServerProcess } from './server-process.js';
import { deliverNewIssue } from './deliveries.js';
import { freePort } from '../sandbox/free-port.js';

const root = process.env.ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 60);
const SECRET = 'bench-secret-0123456789';
const REPO = 'acme/widgets';

// A Desk that takes every Invoke call and never answers it, until the flood is over.
const held: http.ServerResponse[] = [];
let hanging = true;
const desk = http.createServer((req, res) => {
  req.resume();
  if (hanging) held.push(res);
  else req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"response":"{}","statusCode":200}'));
});
await new Promise<void>((r) => desk.listen(0, '127.0.0.1', r));
const deskUrl = `http://127.0.0.1:${(desk.address() as net.AddressInfo).port}`;

const port = await freePort();
const server = await startServerProcess(
  root,
  {
    EXTENSION_SECRET: SECRET,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DESK_API_URL: deskUrl,
    LOG_LEVEL: 'silent',
  },
  port,
);
const rssMB = server.rssMB;

// Real payloads from the fake GitHub's own builder, for issues that exist there.
const gh = await startFakeGitHub({ token: 'bench-token' });
gh.createRepo(REPO);
gh.hooks.drop = true;
const keys = hookKeys(SECRET);
const { id, token } = sealTarget(keys, { o: '60012345', s: 'bench-security-context', r: REPO, t: 1 });
const url = `http://127.0.0.1:${port}/github/webhooks/${id}/${token}`;
const secret = hookSecret(keys, id);
const agent = new Agent({ connections: 32, pipelining: 0 });

const statuses: Record<string, number> = {};
let heldCalls = 0;
const healthz: number[] = [];
const memory: number[] = [rssMB()];
const idle = memory[0]!;
/** The V8 heap in use, from the server's own /metrics: what the process holds, whatever the allocator keeps. */
const heapMB = async () => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return round(Number(/^nodejs_heap_used_bytes (\d+)/m.exec(text)?.[1] ?? 0) / 2 ** 20);
};
const heap: number[] = [await heapMB()];
let sent = 0;
const end = Date.now() + SECONDS * 1000;
const sampler = setInterval(() => {
  memory.push(rssMB());
  void heapMB().then((h) => heap.push(h));
}, 5000);
const health = (async () => {
  while (Date.now() < end) {
    const t = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
    healthz.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 200));
  }
})();
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      sent++;
      const status = await deliverNewIssue(gh, REPO, { url, secret }, agent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
await health;
clearInterval(sampler);
heldCalls = held.length;
memory.push(rssMB());
heap.push(await heapMB());
// Afterwards: Desk answers again (the held imports are cut, the queue drains), and the server is left alone for 20 s.
hanging = false;
for (const r of held.splice(0)) r.destroy();
await new Promise((r) => setTimeout(r, 20_000));
const after = { rssMB: rssMB(), heapMB: await heapMB() };
console.log(
  JSON.stringify(
    {
      root,
      seconds: SECONDS,
      deliveriesSent: sent,
      answers: statuses,
      rssMB: { idle, every5s: memory, peak: Math.max(...memory), peakOverIdle: round(Math.max(...memory) / idle) },
      heapUsedMB: { every5s: heap, peak: Math.max(...heap) },
      twentySecondsAfter: after,
      importCallsHeldByDesk: heldCalls,
      healthzDuring: { n: healthz.length, medianMs: round(median(healthz)), p99Ms: round(percentile(healthz, 99)), maxMs: round(Math.max(...healthz)) },
    },
    null,
    2,
  ),
);
await server.stop();
await gh.close();
desk.close();
process.exit(0);
