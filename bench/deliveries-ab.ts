/**
 * `npx tsx bench/deliveries-ab.ts OTHER_TREE`: delivery → import (bench/webhooks.ts: a
 * burst of 1,000 signed comment deliveries, 16 at once, and one quiet delivery at a
 * time) of this tree and of another checkout, interleaved round by round so the
 * machine's load falls on both alike (the order alternating). Medians of BENCH_RUNS rounds (default 5) after a
 * warm-up, with the spread (min–max), each beside its floor measured in the same round.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.js';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const other = path.resolve(process.argv[2] ?? '');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

type Result = { burstMs: { p50: number; p95: number }; floorMs: { p50: number; p95: number }; singleDeliveryMs: { p50: number } };
const trees = await Promise.all(
  [
    [path.basename(other), other],
    ['this tree', here],
  ].map(async ([name, root]) => ({
    name: name!,
    run: ((await import(path.join(root!, 'bench/webhooks.ts'))) as typeof import('./webhooks.js')).deliveryToImport,
  })),
);
const seen = new Map<string, Result[]>();
// Both run in this process: the order alternates round by round, so neither always runs on the other's garbage.
for (let r = 0; r <= RUNS; r++)
  for (const t of r % 2 === 0 ? trees : [...trees].reverse()) {
    const { result } = await t.run();
    if (r > 0) seen.set(t.name, [...(seen.get(t.name) ?? []), result as unknown as Result]);
  }
const spread = (v: number[]) => `${round(median(v))} (${round(Math.min(...v))}–${round(Math.max(...v))})`;
for (const [name, s] of seen) {
  console.log(
    `${name.padEnd(12)} burst p50 ${spread(s.map((x) => x.burstMs.p50))} ms, p95 ${spread(s.map((x) => x.burstMs.p95))} ms; ` +
      `floor p95 ${spread(s.map((x) => x.floorMs.p95))} ms; one quiet delivery p50 ${spread(s.map((x) => x.singleDeliveryMs.p50))} ms`,
  );
}
process.exit(0);
