/**
 * The README's figures, rendered from what measured them, so they cannot drift:
 * - `bench`: the performance table, from the committed bench/results.json
 *   (`npm run bench:summary` writes it);
 * - `cluster`: the cluster table, from the committed bench/cluster-results.json (a copy
 *   of the `.ci/out/cluster.json` that `npm run test:cluster` writes);
 * - `benchrun`: when and on what machine the bench table was measured;
 * - `bundles`: the widgets' sizes, from the built app/js/ files.
 * Each sits in README.md between `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`.
 * `npm run docs:figures [-- --cluster .ci/out/cluster.json]` rewrites those blocks (and
 * first copies the cluster figures in); test/package/doc-figures.test.ts fails when a
 * block differs from its render.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const README = path.join(root, 'README.md');
export const BENCH_RESULTS = path.join(root, 'bench/results.json');
export const CLUSTER_RESULTS = path.join(root, 'bench/cluster-results.json');

interface Figure {
  median: number;
  min: number;
  max: number;
}
export interface BenchResults {
  figures: Record<string, Figure>;
  repeat?: number;
  date?: string;
  machine?: { cpus: number; cpuModel: string; memoryGB: number; node: string };
}

/** When and where the bench table was measured, as bench/results.json records it. */
export function benchRun(results: BenchResults): string {
  const m = results.machine;
  const when = (results.date ?? '').slice(0, 10);
  return `${results.repeat ?? 5} runs on ${when}, Node ${m?.node.replace(/^v/, '') ?? '?'}, ${m?.cpus ?? '?'} cores (${m?.cpuModel ?? '?'}), ${m?.memoryGB ?? '?'} GB`;
}

/** The bench table: medians of the runs, (min–max) across them; never the best run. */
export function benchTable(results: BenchResults): string {
  const f = (name: string, unit = ''): string => {
    const x = results.figures[name];
    if (!x) throw new Error(`bench/results.json has no figure ${name}`);
    return x.min === x.max ? `${x.median}${unit}` : `${x.median}${unit} (${x.min}–${x.max})`;
  };
  return [
    '| case | channel server | floor | ratio | details |',
    '| --- | --- | --- | --- | --- |',
    `| full pull (1000 issues + 1000 comments waiting) | ${f('fullPull.serverMs', ' ms')} | ${f('fullPull.floorMs', ' ms')} | ${f('fullPull.ratioToFloor', 'x')} | ${f('fullPull.cpuUsPerItem', ' µs')} CPU per item, +${f('fullPull.peakExtraRssMB', ' MB')} RSS |`,
    `| idle pull (3 repositories, nothing new) | ${f('idlePull.serverMs', ' ms')} | ${f('idlePull.floorMs', ' ms')} | ${f('idlePull.ratioToFloor', 'x')} | ${f('idlePull.rateLimitPointsPerRepository')} rate-limit points per repository |`,
    `| fleet (500 installations × 3 repositories, 100 at once) | ${f('fleet.pullsPerSecond', ' pulls/s')}, p99 ${f('fleet.p99Ms', ' ms')} | ${f('fleet.floorPullsPerSecond', ' pulls/s')} | ${f('fleet.ratioToFloor', 'x')} | idle pulls |`,
    `| backlog drain (20,000 issues + 60,000 comments) | ${f('backlogDrain.pulls')} pulls, ${f('backlogDrain.seconds', ' s')} | | | ${f('backlogDrain.requestsPer100Items')} GitHub requests per 100 items |`,
    `| serve start (built server) | ${f('serveStart.listeningMs', ' ms')} to listening | | | ${f('serveStart.badSettingsMs', ' ms')} to the list of bad settings |`,
    `| widget bundle | ${f('widget.gzipBytes', ' bytes')} gzipped | | | |`,
    `| delivery → import (burst of 1,000 deliveries) | p50 ${f('deliveryToImport.p50Ms', ' ms')}, p95 ${f('deliveryToImport.p95Ms', ' ms')} | p95 ${f('deliveryToImport.floorP95Ms', ' ms')} | | ${f('deliveryToImport.importCallsPer100Events', '')} import calls per 100 events; one quiet delivery p50 ${f('deliveryToImport.singleP50Ms', ' ms')} |`,
  ].join('\n');
}

interface ClusterFigures {
  fleet: { installations: number; concurrency: number; failed: number; perReplica: Record<string, number> };
  restarts: {
    killMinus9: { pulls: number; failed: number; retried: number };
    gracefulRestart: { pulls: number; failed: number; retried: number; exitCode: number };
    liveInstallation: { retried: number; tickets?: number; threads?: number; mirrorsGitHub: boolean };
  };
  pushesWithRedis: { pushes: number; perReplica: Record<string, number>; commentsCreated: number; commentsLeft: number };
  pushesInMemory: { pushes: number; commentsCreated: number; extraCommentsRemoved: number; deleteRequests: number; commentsLeft: number };
}

/** The cluster table, from one run of `npm run test:cluster`. */
export function clusterTable(c: ClusterFigures): string {
  const per = (p: Record<string, number>): string => Object.values(p).join(' / ');
  const k = c.restarts.killMinus9;
  const g = c.restarts.gracefulRestart;
  const live = c.restarts.liveInstallation;
  const m = c.pushesInMemory;
  const mirrored = live.tickets === undefined ? '' : ` (${live.tickets} tickets, ${live.threads} threads)`;
  return [
    '| what | result |',
    '| --- | --- |',
    `| the fleet benchmark's load (${c.fleet.installations} installations × 3 repositories, ${c.fleet.concurrency} at once) | ${c.fleet.installations} pulls, ${c.fleet.failed} failed; ${per(c.fleet.perReplica)} per replica |`,
    `| \`kill -9\` of one replica with pulls held in flight, then a restart | ${k.pulls} pulls, ${k.failed} failed; ${k.retried} retried once by Desk (those in flight on the victim), none twice |`,
    `| graceful restart (SIGTERM) of another, pulls held in flight | ${g.pulls} pulls, ${g.failed} failed, ${g.retried} retried; the stopped replica exited ${g.exitCode} |`,
    `| a live installation through both restarts, GitHub written to every 50 ms | Desk ${live.mirrorsGitHub ? 'mirrors' : 'does not mirror'} GitHub afterwards${mirrored}, ${live.retried} pulls retried |`,
    `| ${c.pushesWithRedis.pushes} identical pushes over the three replicas, with Redis claims | ${per(c.pushesWithRedis.perReplica)} per replica, **${c.pushesWithRedis.commentsCreated}** GitHub comment created, ${c.pushesWithRedis.commentsLeft} left |`,
    `| the same without a shared store | ${m.commentsCreated} comments created, ${m.extraCommentsRemoved} extra removed again (${m.deleteRequests} DELETE requests: replicas remove the same extra), ${m.commentsLeft} left |`,
  ].join('\n');
}

/** The widgets' bundles as built (`npm run build`), raw and gzipped at level 9, as rollup reports them. */
export function bundleSizes(): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const one = (name: string): string => {
    const code = readFileSync(path.join(root, 'app/js', name));
    return `\`app/js/${name}\` (${kb(code.length)} raw, ${kb(gzipSync(code, { level: 9 }).length)} gzipped)`;
  };
  return `${one('widget.js')} and ${one('card.js')}`;
}

export const RENDERERS: Record<string, () => string> = {
  bench: () => benchTable(JSON.parse(readFileSync(BENCH_RESULTS, 'utf8')) as BenchResults),
  benchrun: () => benchRun(JSON.parse(readFileSync(BENCH_RESULTS, 'utf8')) as BenchResults),
  cluster: () => clusterTable(JSON.parse(readFileSync(CLUSTER_RESULTS, 'utf8')) as ClusterFigures),
  bundles: bundleSizes,
};

const BLOCK = /(<!-- figures:([a-z]+) -->)([\s\S]*?)(<!-- \/figures:\2 -->)/g;

/** Every figures block of `text`, by name, as it stands. */
export function figureBlocks(text: string): Map<string, string> {
  return new Map([...text.matchAll(BLOCK)].map((m) => [m[2]!, m[3]!.trim()]));
}

/** `text` with each figures block rendered afresh. Tables stand on lines of their own; the bundles inline. */
export function renderFigures(text: string): string {
  return text.replace(BLOCK, (_all, open: string, name: string, body: string, close: string) => {
    const render = RENDERERS[name];
    if (!render) throw new Error(`README.md names an unknown figures block ${name}`);
    const inline = !body.startsWith('\n');
    return inline ? `${open}${render()}${close}` : `${open}\n${render()}\n${close}`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf('--cluster');
  if (i >= 0) {
    const from = process.argv[i + 1];
    if (!from) throw new Error('--cluster needs the path of a cluster.json');
    copyFileSync(from, CLUSTER_RESULTS);
  }
  writeFileSync(README, renderFigures(readFileSync(README, 'utf8')));
  console.log(`README.md figures rendered: ${[...figureBlocks(readFileSync(README, 'utf8')).keys()].join(', ')}`);
}
