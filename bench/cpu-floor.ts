/**
 * `npx tsx bench/cpu-floor.ts`: where a full pull's CPU goes, stage by stage, on the pages
 * the fake GitHub serves for 1000 issues + 1000 comments (GitHub-like bodies, the media
 * types the server asks for), in one process with nothing else running: what any server
 * in this runtime must spend per item (JSON.parse of GitHub's pages, one read of every
 * character of each body, JSON.stringify of an answer of the same items), and what ours
 * spends mapping and sanitising. Medians of BENCH_RUNS rounds (default 11) after a
 * warm-up, spread min–max. Issue 22 asked for 20 µs of server CPU per item: this prints
 * the part of it the unavoidable stages already take.
 */
import { request } from 'undici';
import { startFake, TOKEN } from './harness.js';
import { median, round } from './stats.js';
import { readComment, readIssue } from '../server/connectors/github/github-types.js';
import { commentThread, issueUnit } from '../server/connectors/github/mapping.js';
import { memo as sanitiseMemo } from '../server/desk/sanitise.js';
import type { SyncThread, SyncTicket } from '../server/desk/wire-types.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const REPO = 'acme/widgets';
const fake = await startFake([{ name: REPO, issues: 1000, comments: 1000 }]);
const pages: Array<{ kind: 'issue' | 'comment'; text: string }> = [];
for (const [kind, path, accept] of [
  ['issue', 'issues', 'application/vnd.github.html+json'],
  ['comment', 'issues/comments', 'application/vnd.github.full+json'],
] as const) {
  for (let page = 1; ; page++) {
    const query = new URLSearchParams({ per_page: '100', page: String(page), state: 'all', sort: 'updated', direction: 'asc', since: '2000-01-01T00:00:00Z' });
    const res = await request(`${fake.url}/repos/${REPO}/${path}?${query}`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept, 'x-github-api-version': '2022-11-28' },
    });
    const text = await res.body.text();
    if ((JSON.parse(text) as unknown[]).length === 0) break;
    pages.push({ kind, text });
  }
}
await fake.close();

const parsed = pages.map((p) => ({ kind: p.kind, items: JSON.parse(p.text) as unknown[] }));
const items = parsed.reduce((n, p) => n + p.items.length, 0);
const bodies = parsed.flatMap((p) => p.items.map((x) => String((x as { body_html?: unknown }).body_html ?? '')));
const map = (): Array<SyncTicket | SyncThread> => {
  sanitiseMemo.clear();
  const out: Array<SyncTicket | SyncThread> = [];
  for (const p of parsed)
    for (const raw of p.items) {
      if (p.kind === 'issue') {
        const unit = issueUnit(REPO, readIssue(raw)!);
        out.push(...unit.tickets, ...unit.threads);
      } else out.push(commentThread(REPO, readComment(raw)!));
    }
  return out;
};
const answer = map();

const stages: Record<string, () => unknown> = {
  'JSON.parse of the pages (unavoidable)': () => pages.map((p) => JSON.parse(p.text) as unknown),
  'one charCodeAt read of every body (unavoidable)': () => {
    let n = 0;
    for (const b of bodies) for (let i = 0; i < b.length; i++) n += b.charCodeAt(i);
    return n;
  },
  'JSON.stringify of the answer (unavoidable)': () => JSON.stringify(answer),
  'mapping with the sanitiser (ours)': map,
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(stages).map((k) => [k, []]));
for (let r = 0; r <= RUNS; r++) {
  for (const [name, run] of Object.entries(stages)) {
    const t = performance.now();
    run();
    const us = ((performance.now() - t) * 1000) / items;
    if (r > 0) samples[name]!.push(us); // round 0 warms up
  }
}
console.log(
  `${items} items, ${pages.length} pages, ${round(pages.reduce((n, p) => n + Buffer.byteLength(p.text), 0) / 2 ** 20, 1)} MB of GitHub JSON; µs of CPU per item, median (min–max) of ${RUNS} rounds:`,
);
let unavoidable = 0;
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  if (name.includes('unavoidable')) unavoidable += m;
  console.log(`  ${name}: ${round(m, 1)} (${round(Math.min(...xs), 1)}–${round(Math.max(...xs), 1)})`);
}
console.log(`  the unavoidable stages together: ${round(unavoidable, 1)} µs per item`);
process.exit(0);
