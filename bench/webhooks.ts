/**
 * "delivery → import": a burst of 1,000 signed GitHub deliveries (issue comments) at the
 * channel server, timed from the moment each is sent to the moment Desk's import that
 * carries it has answered, beside a floor: a bare server receiving the same deliveries
 * and making the same Invoke import calls (same bodies, each as soon as its last
 * delivery arrived), with no verification, mapping or coalescing of its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { startServer } from '../server/server.js';
import { freePort } from '../sandbox/free-port.js';
import { InvokeClient } from '../server/desk/invoke-client.js';
import { desiredHook } from '../server/connectors/github/hooks.js';
import { hookKeys } from '../server/connectors/github/webhooks/seal.js';
import { deliveryHeaders } from '../sandbox/fake-github/hooks.js';
import type { ServerConfig } from '../server/config.js';
import type { Channel } from '../server/sync/channel.js';
import { createConnector } from '../server/channel-factory.js';
import { median, percentile, round } from './stats.js';

const SECRET = 'bench-extension-secret-0123456789';
const REPO = 'acme/widgets';
const EVENTS = 1000;
const CONCURRENCY = 16;

interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
  extId: string;
}

/** A stub of Desk's Invoke that answers every import at once and notes when each thread arrived. */
async function stubDesk() {
  const seen = new Map<string, number>();
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const post = form.get('postBody') ?? '{}';
      calls.push(post);
      const at = performance.now();
      for (const t of (JSON.parse(post) as { data?: { threads?: Array<{ extId: string }> } }).data?.threads ?? [])
        if (!seen.has(t.extId)) seen.set(t.extId, at);
      const body = JSON.stringify({ response: JSON.stringify({ statusCode: 200, statusMessage: { data: {} } }) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function sendAll(url: string, deliveries: Delivery[], sentAt: Map<string, number>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        sentAt.set(d.extId, performance.now());
        const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
        await res.arrayBuffer();
        if (res.status >= 300) throw new Error(`delivery answered ${res.status}`);
      }
    }),
  );
}

const latencies = (sentAt: Map<string, number>, seen: Map<string, number>) => [...sentAt].map(([extId, t]) => (seen.get(extId) ?? Number.NaN) - t);

export async function deliveryToImport(): Promise<{ result: Record<string, unknown>; row: string[] }> {
  const gh = await startFakeGitHub();
  gh.createRepo(REPO);
  gh.hooks.drop = true;
  const issues = Array.from({ length: 50 }, (_, i) => gh.createIssue(REPO, { title: `issue ${i}` }));
  const desk = await stubDesk();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const hook = desiredHook({ keys: hookKeys(SECRET), publicUrl, orgId: '1', securityContext: 'ctx' }, REPO, {
    repositories: [REPO],
    labels: [],
    importSince: 0,
    includePullRequests: false,
    storyThreads: false,
    escalation: {},
  });
  const deliveries: Delivery[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const issue = issues[i % issues.length]!;
    const c = gh.createComment(REPO, issue.number, { body: `comment ${i}: it still breaks` });
    const body = JSON.stringify(
      gh.hooks.payload({ repo: REPO, event: 'issue_comment', action: 'created', issue: issue.number, comment: c.id, sender: { login: 'octocat', id: 1 } }),
    );
    const id = `bench-${i}`;
    deliveries.push({ id, body, headers: deliveryHeaders({ id: 1, secret: hook.secret }, { id, event: 'issue_comment' }, body), extId: `${REPO}:c${c.id}` });
  }
  const config = {
    port,
    host: '127.0.0.1',
    extensionSecret: SECRET,
    deskApiUrl: desk.url,
    deskUrlKey: undefined,
    transport: 'invoke',
    connector: 'github',
    upstream: { apiUrl: gh.url, webUrl: 'https://github.com', token: undefined, connection: 'github' },
    logLevel: 'silent',
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: 1000,
    shutdownDelayMs: 0,
    claimStore: 'none',
    callbackHash: 'log',
    invokeQuery: 'url',
    publicUrl,
    deskConnection: 'zohodesk',
    pull: { maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 20_000, maxBytes: 5 * 1024 * 1024 },
  } satisfies ServerConfig;
  const none: Channel = {
    pull: () => Promise.reject(new Error('no pulls here')),
    push: () => Promise.reject(new Error('no pushes here')),
    redirect: () => undefined,
  };
  const server = await startServer(config, { ...createConnector(config), channel: none });

  // A quiet installation: one delivery at a time (the coalescing window is the cost).
  const singleSent = new Map<string, number>();
  for (const d of deliveries.slice(0, 50)) {
    await sendAll(`${hook.url}`, [d], singleSent);
    await server.webhooks!.coalescer.idle();
  }
  const single = latencies(singleSent, desk.seen);
  desk.seen.clear();
  desk.calls.length = 0;

  const sentAt = new Map<string, number>();
  await sendAll(hook.url, deliveries, sentAt);
  await server.webhooks!.coalescer.idle();
  const ours = latencies(sentAt, desk.seen);
  const calls = [...desk.calls];

  // The floor: the same deliveries, the same import calls, nothing else.
  const lastOf = new Map<string, string>();
  for (const body of calls) {
    const threads = (JSON.parse(body) as { data: { threads: Array<{ extId: string }> } }).data.threads.map((t) => t.extId);
    const last = threads.reduce((a, b) => ((sentAt.get(b) ?? 0) > (sentAt.get(a) ?? 0) ? b : a), threads[0]!);
    lastOf.set(last, body);
  }
  desk.seen.clear();
  const invoke = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
  const pending: Array<Promise<unknown>> = [];
  const bare = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
      const extId = String(req.headers['x-bench-extid']);
      const body = lastOf.get(extId);
      if (body)
        pending.push(
          invoke.call({
            orgId: '1',
            securityContext: 'ctx',
            requestURL: `${desk.url}/api/v1/channels/{{installationId}}/import`,
            requestType: 'POST',
            headers: { orgId: '1', 'Content-Type': 'application/json' },
            postBody: body,
            connectionLinkName: 'zohodesk',
          }),
        );
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/hook`;
  const floorSent = new Map<string, number>();
  await sendAll(
    bareUrl,
    deliveries.map((d) => ({ ...d, headers: { ...d.headers, 'x-bench-extid': d.extId } })),
    floorSent,
  );
  await Promise.all(pending);
  const floor = latencies(floorSent, desk.seen);

  await new Promise<void>((r) => bare.close(() => r()));
  await server.close();
  await desk.close();
  await gh.close();
  const result = {
    events: EVENTS,
    concurrency: CONCURRENCY,
    burstMs: { p50: round(median(ours)), p95: round(percentile(ours, 95)) },
    floorMs: { p50: round(median(floor)), p95: round(percentile(floor, 95)) },
    importCallsPer100Events: round((100 * calls.length) / EVENTS, 2),
    singleDeliveryMs: { p50: round(median(single)), p95: round(percentile(single, 95)) },
  };
  return {
    result,
    row: [
      `delivery → import (burst of ${EVENTS} comment deliveries, ${CONCURRENCY} at once)`,
      `p50 ${result.burstMs.p50} ms, p95 ${result.burstMs.p95} ms`,
      `p50 ${result.floorMs.p50} ms, p95 ${result.floorMs.p95} ms`,
      `${round(result.burstMs.p95 / Math.max(0.01, result.floorMs.p95))}x (p95)`,
      `${result.importCallsPer100Events} import calls per 100 events; one quiet delivery p50 ${result.singleDeliveryMs.p50} ms, p95 ${result.singleDeliveryMs.p95} ms`,
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify((await deliveryToImport()).result, null, 2));
