/**
 * /healthz while everything happens at once (issue 23, 8: a balancer's 1 s check must not
 * flap): full pulls of four installations back to back (1,000 issues and 1,000 comments
 * each), agents' replies 5 a second, and a flood of signed deliveries 32 at a time whose
 * imports Desk answers. The server runs in a process of its own and the fake GitHub in
 * another (bench/fake-process.ts), so the client polling /healthz every 100 ms measures
 * only the server.
 *   npx tsx bench/mixed-load.ts                # MIXED_SECONDS (default 30)
 *   ROOT=/path/to/other/tree npx tsx bench/mixed-load.ts
 * Prints JSON; not part of bench/results.json.
 */
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { freePort } from '../sandbox/free-port.js';
import { hookKeys, hookSecret, sealTarget } from '../server/connectors/github/webhooks/seal.js';
import { startFake, TOKEN } from './harness.js';
import { deliverNewIssue } from './deliveries.js';
import { median, percentile, round } from './stats.js';
import { startServerProcess } from './server-process.js';

const root = process.env.ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.MIXED_SECONDS ?? 30);
const SECRET = 'bench-secret-0123456789';
const KEY = 'benchKey0123456789abcdef';
const REPO = 'acme/widgets';

// Desk's side of the imports: every Invoke call read and answered at once.
const desk = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"response":"{}","statusCode":200}'));
});
await new Promise<void>((r) => desk.listen(0, '127.0.0.1', r));
const deskUrl = `http://127.0.0.1:${(desk.address() as net.AddressInfo).port}`;

const fake = await startFake([{ name: REPO, issues: 1000, comments: 1000 }]);
const port = await freePort();
const server = await startServerProcess(
  root,
  {
    EXTENSION_SECRET: SECRET,
    DESK_URL_KEY: KEY,
    TRANSPORT: 'direct',
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: fake.url,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DESK_API_URL: deskUrl,
    LOG_LEVEL: 'silent',
  },
  port,
);
const base = server.url;
const agent = new Agent({ connections: 64, pipelining: 0 });

async function healthz(): Promise<number> {
  const t = performance.now();
  const res = await request(`${base}/healthz`, { dispatcher: agent });
  await res.body.text();
  return performance.now() - t;
}
const summarise = (ms: number[]) => ({
  n: ms.length,
  medianMs: round(median(ms)),
  p99Ms: round(percentile(ms, 99)),
  maxMs: round(Math.max(...ms)),
  over1s: ms.filter((m) => m > 1000).length,
});
async function pollFor(seconds: number): Promise<number[]> {
  const ms: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    ms.push(await healthz());
    await new Promise((r) => setTimeout(r, 100));
  }
  return ms;
}

const out: Record<string, unknown> = { root, seconds: SECONDS };
out.healthzIdle = summarise(await pollFor(5));

// Deliveries: payloads from a fake GitHub of this process's own (issues it made), sealed for org 60012345.
const gh = await startFakeGitHub({ token: 'payloads' });
gh.createRepo(REPO);
gh.hooks.drop = true;
const keys = hookKeys(SECRET);
const { id, token } = sealTarget(keys, { o: '60012345', s: 'bench-security-context', r: REPO, t: 1 });
const hookUrl = `${base}/github/webhooks/${id}/${token}`;
const hookSecretValue = hookSecret(keys, id);

const counts = { pulls: 0, pullItems: 0, pullFailures: 0, replies: 0, replyFailures: 0, deliveries: {} as Record<string, number> };
let running = true;
const pullers = ['1', '2', '3', '4'].map(async (org) => {
  while (running) {
    const res = await request(`${base}/desk/pull?key=${KEY}&orgId=${org}&securityContext=bench`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repositories: REPO, importSince: 'all' }),
      dispatcher: agent,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) counts.pullFailures++;
    else {
      const sync = JSON.parse(text) as { data: { tickets: unknown[]; threads: unknown[] } };
      counts.pulls++;
      counts.pullItems += sync.data.tickets.length + sync.data.threads.length;
    }
  }
});
const replier = (async () => {
  let n = 0;
  while (running) {
    const res = await request(`${base}/desk/push?key=${KEY}&orgId=1&securityContext=bench`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ configParams: { repositories: REPO }, resource: { extParentId: `${REPO}#${(n % 50) + 1}`, content: `<p>Reply ${n++}</p>` } }),
      dispatcher: agent,
    });
    await res.body.text();
    if (res.statusCode === 200) counts.replies++;
    else counts.replyFailures++;
    await new Promise((r) => setTimeout(r, 200));
  }
})();
const flooders = Array.from({ length: 32 }, async () => {
  while (running) {
    const status = await deliverNewIssue(gh, REPO, { url: hookUrl, secret: hookSecretValue }, agent);
    counts.deliveries[status] = (counts.deliveries[status] ?? 0) + 1;
  }
});
await new Promise((r) => setTimeout(r, 1000));
out.healthzUnderMixedLoad = summarise(await pollFor(SECONDS));
running = false;
await Promise.all([...pullers, replier, ...flooders]);
out.load = counts;
console.log(JSON.stringify(out, null, 2));
await server.stop();
await agent.close();
await gh.close();
await fake.close();
desk.close();
process.exit(0);
