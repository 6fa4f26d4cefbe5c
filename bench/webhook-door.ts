/**
 * The slow-body attack on the webhook door (issue 23's finding 1), measured: 3,000
 * connections each send 511 KB of a declared 512 KB delivery to /github/webhooks/… with
 * a well-formed signature header, then stall. Reports the server's resident memory
 * (VmRSS of its process) idle, at its peak during the attack and 5 s after the attacker
 * lets go, with /healthz latencies meanwhile. The server runs in a process of its own.
 *   npx tsx bench/webhook-door.ts
 *   ROOT=/path/to/other/tree npx tsx bench/webhook-door.ts   # another tree, for a before/after
 * Prints JSON; not part of bench/results.json.
 */
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, round } from './stats.js';
import { startServerProcess } from './server-process.js';
import { freePort } from '../sandbox/free-port.js';

const root = process.env.ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONNECTIONS = Number(process.env.ATTACK_CONNECTIONS ?? 3000);
const BODY = 512 * 1024;
const SENT = 511 * 1024;

const port = await freePort();
const server = await startServerProcess(
  root,
  {
    EXTENSION_SECRET: 'bench-secret-0123456789',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
  },
  port,
);
const rssMB = server.rssMB;

async function healthz(): Promise<number> {
  const t = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
  return performance.now() - t;
}
const summarise = (ms: number[]) => ({ n: ms.length, medianMs: round(median(ms)), p95Ms: round(percentile(ms, 95)), maxMs: round(Math.max(...ms)) });

/** V8's heap in use, from /metrics (an older tree without the gauge answers 0). */
async function heapMB(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_used_bytes (\d+)/m.exec(text)?.[1] ?? 0) / 1024 / 1024;
}

for (let i = 0; i < 50; i++) await healthz();
await new Promise((r) => setTimeout(r, 1000));
const idle = rssMB();
const heapIdle = await heapMB();

const chunk = Buffer.alloc(64 * 1024, 'a');
const sockets: net.Socket[] = [];
let answered503 = 0;
let cut = 0;
const path503 = `/github/webhooks/${'A'.repeat(22)}/${'t'.repeat(200)}`;
for (let i = 0; i < CONNECTIONS; i++) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.on('data', (d: Buffer) => d.toString('latin1').startsWith('HTTP/1.1 503') && answered503++);
  s.on('close', () => cut++);
  s.write(
    [
      `POST ${path503} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${BODY}`,
      'X-GitHub-Event: issues',
      `X-GitHub-Delivery: ${crypto.randomUUID()}`,
      `X-Hub-Signature-256: sha256=${'0'.repeat(64)}`,
      '',
      '',
    ].join('\r\n'),
  );
  let sent = 0;
  const pump = (): void => {
    while (sent < SENT && !s.destroyed) {
      const n = Math.min(chunk.length, SENT - sent);
      sent += n;
      if (!s.write(chunk.subarray(0, n))) return void s.once('drain', pump);
    }
  };
  pump();
  sockets.push(s);
}

let peak = idle;
let heapPeak = heapIdle;
const during: number[] = [];
const attackEnd = Date.now() + 15_000;
while (Date.now() < attackEnd) {
  peak = Math.max(peak, rssMB());
  during.push(await healthz());
  if (during.length % 10 === 0) heapPeak = Math.max(heapPeak, await heapMB());
  await new Promise((r) => setTimeout(r, 100));
}
const stillOpen = sockets.filter((s) => !s.destroyed).length;
const cutByServer = cut;
for (const s of sockets) s.destroy();
await new Promise((r) => setTimeout(r, 5000));
const after = rssMB();
const heapAfter = await heapMB();

console.log(
  JSON.stringify(
    {
      root,
      connections: CONNECTIONS,
      declaredBytes: BODY,
      sentBytes: SENT,
      rssMB: { idle: round(idle), peak: round(peak), after5s: round(after), peakOverIdle: round(peak / idle) },
      heapUsedMB: { idle: round(heapIdle), peak: round(heapPeak), after5s: round(heapAfter) },
      answered503,
      closedByServerWithin15s: cutByServer,
      stillOpenAfter15s: stillOpen,
      healthzDuring: summarise(during),
    },
    null,
    2,
  ),
);
await server.stop();
process.exit(0);
