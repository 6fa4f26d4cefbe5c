/**
 * The attacks of issues 12 and 23, timed: /healthz while keyless 1 MB bodies flood the
 * server, and the time to answer hostile replies (40,000 deep; `<!-->` then 50,000 divs;
 * 23,000 mismatched dotted tags) with /healthz polled meanwhile. The server
 * runs in a process of its own (a blocked event loop there must not stall this client).
 *   npx tsx bench/attacks.ts              # this tree
 *   ROOT=/path/to/other/tree npx tsx bench/attacks.ts   # another tree, for a before/after
 * Prints JSON; not part of bench/results.json.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { median, percentile, round } from './stats.js';
import { startServerProcess } from './server-process.js';

const root = process.env.ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'benchKey0123456789abcdef';
const REPO = 'acme/widgets';

const gh = await startFakeGitHub({ token: 'bench-token' });
gh.createRepo(REPO);
gh.createIssue(REPO, { title: 'x' });
const server = await startServerProcess(root, {
  EXTENSION_SECRET: 'bench-secret-0123456789',
  DESK_URL_KEY: KEY,
  TRANSPORT: 'direct',
  GITHUB_TOKEN: 'bench-token',
  GITHUB_API_URL: gh.url,
  LOG_LEVEL: 'silent',
});
const base = server.url;
const agent = new Agent({ connections: 64 });

async function healthz(): Promise<number> {
  const t = performance.now();
  const res = await request(`${base}/healthz`, { dispatcher: agent });
  await res.body.text();
  return performance.now() - t;
}
const summarise = (ms: number[]) => ({ n: ms.length, medianMs: round(median(ms)), p95Ms: round(percentile(ms, 95)), maxMs: round(Math.max(...ms)) });
async function healthSeries(n: number): Promise<ReturnType<typeof summarise>> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push(await healthz());
  return summarise(ms);
}

const out: Record<string, unknown> = { root };
out.healthzIdle = await healthSeries(200);

// 8 connections sending keyless 1 MB nested JSON bodies in a loop.
const flood = '['.repeat(512 * 1024) + ']'.repeat(512 * 1024);
let flooding = true;
let floodAnswers = 0;
const floods = Array.from({ length: 8 }, async () => {
  while (flooding) {
    try {
      const res = await request(`${base}/desk/pull?orgId=1&securityContext=x`, {
        method: 'POST',
        body: flood,
        headers: { 'content-type': 'application/json' },
        dispatcher: agent,
      });
      await res.body.text();
      floodAnswers++;
    } catch {
      floodAnswers++;
    }
  }
});
await new Promise((r) => setTimeout(r, 500));
out.healthzUnderKeylessFlood = await healthSeries(200);
flooding = false;
await Promise.all(floods);
out.floodAnswers = floodAnswers;

/** A reply, answered with /healthz polled every 50 ms meanwhile. */
async function replyWithHealth(content: string) {
  const polls: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      polls.push(await healthz());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  const answer = await request(`${base}/desk/push?key=${KEY}&orgId=1&securityContext=x`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ configParams: { repositories: REPO }, resource: { extParentId: `${REPO}#1`, content } }),
    dispatcher: agent,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  }).then(
    async (res) => ({ status: res.statusCode, body: (await res.body.text()).slice(0, 100) }),
    (err: Error) => ({ status: 0, body: err.message }),
  );
  const ms = Math.round(performance.now() - t0);
  polling = false;
  await poller;
  return { answer: { ...answer, ms }, healthz: summarise(polls) };
}

// A 40,000-deep reply; then the shapes of issue 23's finding 6: a comment HTML ends at
// once followed by 50,000 divs, and mismatched dotted tags that a parser nests.
const deep = await replyWithHealth('<div>'.repeat(40_000) + 'x');
out.deepReply = deep.answer;
out.healthzDuringDeepReply = deep.healthz;
const comment = await replyWithHealth('<!-->' + '<div>'.repeat(50_000));
out.commentThenDivsReply = comment.answer;
out.healthzDuringCommentThenDivs = comment.healthz;
const dotted = await replyWithHealth('<x.a></x.b>'.repeat(23_000));
out.dottedTagsReply = dotted.answer;
out.healthzDuringDottedTags = dotted.healthz;

console.log(JSON.stringify(out, null, 2));
await server.stop();
await agent.close();
await gh.close();
