/**
 * `npm run bench:summary`: runs `npm run bench` BENCH_REPEAT times (default 5), each in
 * a fresh process, and writes bench/results.json (committed: the README quotes it)
 * with every run's figures and, per figure, the median and the spread (min–max). Prints
 * the README's table: medians, never the best run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.js';
import { benchTable } from '../scripts/doc-figures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const OUT = process.env.BENCH_SUMMARY_FILE ?? path.join(root, 'bench/results.json');

type Run = Record<string, unknown>;
const get = (run: Run, dotted: string): number => Number(dotted.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], run));

/** The figures the README quotes; `ratio` ones are computed per run from two others. */
const FIGURES: Record<string, (r: Run) => number> = {
  'fullPull.serverMs': (r) => get(r, 'fullPull.serverMs.median'),
  'fullPull.floorMs': (r) => get(r, 'fullPull.floorMs.median'),
  'fullPull.ratioToFloor': (r) => get(r, 'fullPull.ratioToFloor'),
  'fullPull.cpuUsPerItem': (r) => get(r, 'fullPull.cpuUsPerItem'),
  'fullPull.peakExtraRssMB': (r) => get(r, 'fullPull.peakExtraRssMB'),
  'idlePull.serverMs': (r) => get(r, 'idlePull.serverMs.median'),
  'idlePull.floorMs': (r) => get(r, 'idlePull.floorMs'),
  'idlePull.ratioToFloor': (r) => round(get(r, 'idlePull.serverMs.median') / get(r, 'idlePull.floorMs')),
  'idlePull.rateLimitPointsPerRepository': (r) => get(r, 'idlePull.rateLimitPointsPerRepository'),
  'fleet.pullsPerSecond': (r) => get(r, 'fleet.pullsPerSecond'),
  'fleet.p99Ms': (r) => get(r, 'fleet.p99Ms'),
  'fleet.floorPullsPerSecond': (r) => get(r, 'fleet.floorPullsPerSecond'),
  'fleet.ratioToFloor': (r) => get(r, 'fleet.ratioToFloor'),
  'backlogDrain.pulls': (r) => get(r, 'backlogDrain.pulls'),
  'backlogDrain.seconds': (r) => get(r, 'backlogDrain.seconds'),
  'backlogDrain.requestsPer100Items': (r) => get(r, 'backlogDrain.requestsPer100Items'),
  'serveStart.listeningMs': (r) => get(r, 'serveStart.listeningMs.median'),
  'serveStart.badSettingsMs': (r) => get(r, 'serveStart.badSettingsMs.median'),
  'widget.gzipBytes': (r) => get(r, 'widget.gzipBytes'),
  'deliveryToImport.p50Ms': (r) => get(r, 'deliveryToImport.burstMs.p50'),
  'deliveryToImport.p95Ms': (r) => get(r, 'deliveryToImport.burstMs.p95'),
  'deliveryToImport.floorP95Ms': (r) => get(r, 'deliveryToImport.floorMs.p95'),
  'deliveryToImport.importCallsPer100Events': (r) => get(r, 'deliveryToImport.importCallsPer100Events'),
  'deliveryToImport.singleP50Ms': (r) => get(r, 'deliveryToImport.singleDeliveryMs.p50'),
};

const runs: Run[] = [];
for (let i = 1; i <= REPEAT; i++) {
  console.log(`bench run ${i} of ${REPEAT}…`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/run.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench run ${i} failed (${r.status})`);
  runs.push(JSON.parse(readFileSync(path.join(root, 'bench/out/latest.json'), 'utf8')) as Run);
}

const figures = Object.fromEntries(
  Object.entries(FIGURES).map(([name, of]) => {
    const values = runs.map(of);
    return [name, { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)), values }];
  }),
);
const last = runs[runs.length - 1]!;
writeFileSync(
  OUT,
  JSON.stringify({ repeat: REPEAT, runsPerCase: last.runs, date: new Date().toISOString(), machine: last.machine, figures, runs }, null, 2) + '\n',
);

console.log(
  `\nwrote ${path.relative(root, OUT)}: medians of ${REPEAT} runs, (min–max) across them; \`npm run docs:figures\` puts this table into the README\n`,
);
console.log(benchTable({ figures }));
