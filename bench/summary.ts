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

const f = (name: string, unit = ''): string => {
  const x = figures[name]!;
  return x.min === x.max ? `${x.median}${unit}` : `${x.median}${unit} (${x.min}–${x.max})`;
};
console.log(`\nwrote ${path.relative(root, OUT)}: medians of ${REPEAT} runs, (min–max) across them\n`);
console.log('| case | channel server | floor | ratio | details |');
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| full pull (1000 issues + 1000 comments waiting) | ${f('fullPull.serverMs', ' ms')} | ${f('fullPull.floorMs', ' ms')} | ${f('fullPull.ratioToFloor', 'x')} | ${f('fullPull.cpuUsPerItem', ' µs')} CPU per item, +${f('fullPull.peakExtraRssMB', ' MB')} RSS |`,
);
console.log(
  `| idle pull (3 repositories, nothing new) | ${f('idlePull.serverMs', ' ms')} | ${f('idlePull.floorMs', ' ms')} | ${f('idlePull.ratioToFloor', 'x')} | ${f('idlePull.rateLimitPointsPerRepository')} rate-limit points per repository |`,
);
console.log(
  `| fleet (500 installations × 3 repositories, 100 at once) | ${f('fleet.pullsPerSecond', ' pulls/s')}, p99 ${f('fleet.p99Ms', ' ms')} | ${f('fleet.floorPullsPerSecond', ' pulls/s')} | ${f('fleet.ratioToFloor', 'x')} | idle pulls |`,
);
console.log(
  `| backlog drain (20,000 issues + 60,000 comments) | ${f('backlogDrain.pulls')} pulls, ${f('backlogDrain.seconds', ' s')} | | | ${f('backlogDrain.requestsPer100Items')} GitHub requests per 100 items |`,
);
console.log(
  `| serve start (built server) | ${f('serveStart.listeningMs', ' ms')} to listening | | | ${f('serveStart.badSettingsMs', ' ms')} to the list of bad settings |`,
);
console.log(`| widget bundle | ${f('widget.gzipBytes', ' bytes')} gzipped | | | |`);
console.log(
  `| delivery → import (burst of 1,000 deliveries) | p50 ${f('deliveryToImport.p50Ms', ' ms')}, p95 ${f('deliveryToImport.p95Ms', ' ms')} | p95 ${f('deliveryToImport.floorP95Ms', ' ms')} | | ${f('deliveryToImport.importCallsPer100Events', '')} import calls per 100 events; one quiet delivery p50 ${f('deliveryToImport.singleP50Ms', ' ms')} |`,
);
