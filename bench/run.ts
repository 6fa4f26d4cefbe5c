/**
 * `npm run bench`: what a pull costs, against the floor, measured side by side in one
 * run on loopback. Prints a table and writes bench/out/latest.json (untracked, with a
 * dated copy); `npm run bench:summary` runs it several times for the README's figures.
 * No assertions: timing belongs here, not in tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bareServer, pull, replay, startChannel, startFake, type PullSample } from './harness.js';
import { profileShares } from './profile.js';
import { memo as sanitiseMemo } from '../server/desk/sanitise.js';
import { median, percentile, round } from './stats.js';
import { deliveryToImport } from './webhooks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const results: Record<string, unknown> = {};
const rows: string[][] = [];
const row = (...cells: Array<string | number>) => rows.push(cells.map(String));

async function fullPull(): Promise<void> {
  const fake = await startFake([{ name: 'acme/widgets', issues: 1000, comments: 1000 }]);
  const server = await startChannel(fake.url);
  const body = { repositories: 'acme/widgets', importSince: 'all' };
  let payload = Buffer.alloc(0);
  const bare = await bareServer(() => payload);
  const samples: PullSample[] = [];
  const floors: number[] = [];
  let requests = 0;
  for (let i = 0; i <= RUNS; i++) {
    await fake.drain();
    // A backlog's bodies are new to the sanitiser: its memo must not make this a re-pull (bench/sanitiser-ab.ts measures both).
    sanitiseMemo.clear();
    const s = await pull(server.url, body);
    const { requests: made } = await fake.drain();
    payload = Buffer.from(s.text);
    const gh = await replay(fake.url, made);
    const desk = await bare.time(body);
    if (i === 0) continue; // warm-up
    samples.push(s);
    floors.push(gh + desk);
    requests = made.length;
  }
  const parsed = JSON.parse(samples[0]!.text) as { data: { tickets: unknown[]; threads: unknown[] } };
  const items = parsed.data.tickets.length + parsed.data.threads.length;
  sanitiseMemo.clear();
  const shares = await profileShares(() => pull(server.url, body, '1', false));
  const r = {
    items,
    githubRequests: requests,
    serverMs: {
      median: round(median(samples.map((s) => s.ms))),
      p95: round(
        percentile(
          samples.map((s) => s.ms),
          95,
        ),
      ),
    },
    floorMs: { median: round(median(floors)), p95: round(percentile(floors, 95)) },
    ratioToFloor: round(median(samples.map((s) => s.ms)) / median(floors)),
    cpuUsPerItem: round((1000 * median(samples.map((s) => s.cpuMs))) / items, 1),
    peakExtraRssMB: round(Math.max(...samples.map((s) => s.peakRssDelta)) / 2 ** 20, 1),
    responseBytes: samples[0]!.bytes,
    cpuProfileShares: shares,
  };
  results.fullPull = r;
  row(
    'full pull (1000 issues + 1000 comments waiting)',
    `${r.serverMs.median} ms (p95 ${r.serverMs.p95})`,
    `${r.floorMs.median} ms`,
    `${r.ratioToFloor}x`,
    `${items} items, ${requests} GitHub requests, ${r.cpuUsPerItem} µs CPU/item, +${r.peakExtraRssMB} MB RSS, ${(r.responseBytes / 1024).toFixed(0)} KB`,
  );
  await bare.close();
  await server.close();
  await fake.close();
}

async function idleAndFleet(): Promise<void> {
  const repos = ['acme/a', 'acme/b', 'acme/c'];
  const fake = await startFake(repos.map((name) => ({ name, issues: 50, comments: 100 })));
  const server = await startChannel(fake.url);
  const body: Record<string, unknown> = { repositories: repos.join(','), importSince: 'all' };
  for (let i = 0; i < 20; i++) {
    const s = await pull(server.url, body);
    const parsed = JSON.parse(s.text) as { channelState: string; data: { tickets: unknown[]; threads: unknown[] } };
    body.channelState = parsed.channelState;
    if (parsed.data.tickets.length + parsed.data.threads.length === 0) break;
  }
  await fake.drain();
  // Idle: nothing new since the last pull.
  let payload = Buffer.alloc(0);
  const bare = await bareServer(() => payload);
  const ms: number[] = [];
  const cpu: number[] = [];
  const floors: number[] = [];
  let perPull = { requests: 0, points: 0 };
  for (let i = 0; i <= RUNS * 3; i++) {
    const before = (await fake.drain()).used;
    const s = await pull(server.url, body);
    const { requests, used } = await fake.drain();
    payload = Buffer.from(s.text);
    const floor = (await replay(fake.url, requests)) + (await bare.time(body));
    if (i === 0) continue;
    ms.push(s.ms);
    cpu.push(s.cpuMs);
    floors.push(floor);
    perPull = { requests: requests.length, points: used - before };
  }
  results.idlePull = {
    repositories: repos.length,
    serverMs: { median: round(median(ms)), p95: round(percentile(ms, 95)) },
    cpuMs: round(median(cpu)),
    floorMs: round(median(floors)),
    githubRequests: perPull.requests,
    rateLimitPointsPerRepository: perPull.points / repos.length,
  };
  row(
    'idle pull (3 repositories, nothing new)',
    `${round(median(ms))} ms (p95 ${round(percentile(ms, 95))})`,
    `${round(median(floors))} ms`,
    `${round(median(ms) / median(floors))}x`,
    `${perPull.requests} conditional requests, ${perPull.points / repos.length} rate-limit points per repository, ${round(median(cpu))} ms CPU`,
  );

  // Fleet: 500 installations of 3 repositories each, pulling at once (idle pulls, the common case).
  // One round to warm up, then FLEET_RUNS rounds; each round's floor is measured right after it.
  const INSTALLATIONS = 500;
  const CONCURRENCY = 100;
  const FLEET_RUNS = Number(process.env.FLEET_RUNS ?? 5);
  const rounds: Array<{ pullsPerSecond: number; floorPullsPerSecond: number; ratio: number; p99: number; median: number; requests: number }> = [];
  for (let round_ = 0; round_ <= FLEET_RUNS; round_++) {
    await fake.drain();
    const latencies: number[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < INSTALLATIONS) {
          const org = String(1000 + next++);
          const s = await pull(server.url, body, org, false);
          latencies.push(s.ms);
        }
      }),
    );
    const fleetMs = performance.now() - t0;
    const { requests } = await fake.drain();
    const ghFloor = await replay(fake.url, requests, CONCURRENCY);
    const t1 = performance.now();
    next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < INSTALLATIONS) await bare.time(body);
      }),
    );
    const floorMs = ghFloor + (performance.now() - t1);
    if (round_ === 0) continue; // warm-up
    rounds.push({
      pullsPerSecond: INSTALLATIONS / (fleetMs / 1000),
      floorPullsPerSecond: INSTALLATIONS / (floorMs / 1000),
      ratio: fleetMs / floorMs,
      p99: percentile(latencies, 99),
      median: median(latencies),
      requests: requests.length,
    });
  }
  const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
  const spread = (f: (r: (typeof rounds)[number]) => number) => `${round(Math.min(...rounds.map(f)))}–${round(Math.max(...rounds.map(f)))}`;
  const fleet = {
    installations: INSTALLATIONS,
    repositoriesEach: repos.length,
    concurrency: CONCURRENCY,
    rounds: rounds.length,
    pullsPerSecond: round(
      med((r) => r.pullsPerSecond),
      1,
    ),
    p99Ms: round(med((r) => r.p99)),
    medianMs: round(med((r) => r.median)),
    floorPullsPerSecond: round(
      med((r) => r.floorPullsPerSecond),
      1,
    ),
    ratioToFloor: round(med((r) => r.ratio)),
    githubRequests: rounds[0]!.requests,
  };
  results.fleet = fleet;
  row(
    `fleet (${INSTALLATIONS} installations x 3 repositories, ${CONCURRENCY} at once; median of ${rounds.length} warm rounds)`,
    `${fleet.pullsPerSecond} pulls/s, p99 ${fleet.p99Ms} ms`,
    `${fleet.floorPullsPerSecond} pulls/s`,
    `${fleet.ratioToFloor}x (${spread((r) => r.ratio)})`,
    `median ${fleet.medianMs} ms, ${fleet.githubRequests} GitHub requests`,
  );
  await bare.close();
  await server.close();
  await fake.close();
}

async function drain(): Promise<void> {
  const fake = await startFake([{ name: 'acme/big', issues: 20_000, comments: 60_000 }]);
  const server = await startChannel(fake.url);
  const body: Record<string, unknown> = { repositories: 'acme/big', importSince: 'all' };
  const pulls: Array<{ tickets: number; threads: number; ms: number }> = [];
  let requests = 0;
  await fake.drain();
  const t0 = performance.now();
  for (;;) {
    const s = await pull(server.url, body);
    const parsed = JSON.parse(s.text) as { channelState: string; data: { tickets: unknown[]; threads: unknown[] } };
    body.channelState = parsed.channelState;
    requests += (await fake.drain()).requests.length;
    const p = { tickets: parsed.data.tickets.length, threads: parsed.data.threads.length, ms: round(s.ms) };
    if (p.tickets + p.threads === 0) break;
    pulls.push(p);
    if (pulls.length > 500) throw new Error('drain does not end');
  }
  const items = pulls.reduce((n, p) => n + p.tickets + p.threads, 0);
  const full = pulls.slice(0, -1); // the last pull takes what is left
  const binding = full.map((p) => Math.max(p.tickets, p.threads) / 1000);
  const combined = full.map((p) => (p.tickets + p.threads) / 2000);
  results.backlogDrain = {
    issues: 20_000,
    comments: 60_000,
    items,
    pulls: pulls.length,
    seconds: round((performance.now() - t0) / 1000, 1),
    githubRequests: requests,
    requestsPer100Items: round((100 * requests) / items, 3),
    bindingCapShare: { min: round(Math.min(...binding), 3), median: round(median(binding), 3) },
    combinedCapShare: { min: round(Math.min(...combined), 3), median: round(median(combined), 3) },
    perPull: pulls,
  };
  row(
    'backlog drain (20,000 issues + 60,000 comments)',
    `${pulls.length} pulls, ${round((performance.now() - t0) / 1000, 1)} s`,
    '',
    '',
    `${items} items, ${round((100 * requests) / items, 3)} GitHub requests per 100 items; binding cap filled ${round(100 * Math.min(...binding), 1)}% min; tickets+threads cap ${round(100 * median(combined), 1)}% median`,
  );
  await server.close();
  await fake.close();
}

/** `npm run serve` from a built dist/: spawn to listening, and spawn to the list of bad settings (exit 2). */
async function serveStart(): Promise<void> {
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsc: ${build.stdout}${build.stderr}`);
  const once = (env: Record<string, string>, until: RegExp | 'exit') =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server/main.js'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (until !== 'exit' && until.test(out)) {
          resolve(performance.now() - t0);
          child.kill('SIGTERM');
        }
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // A server that dies before it listens fails the bench with its output, instead of leaving it waiting.
      child.on('exit', (code) =>
        until === 'exit' && code === 2
          ? resolve(performance.now() - t0)
          : until === 'exit' || !until.test(out)
            ? reject(new Error(`dist/server/main.js exited ${code}: ${out}${err}`))
            : undefined,
      );
    });
  const listen: number[] = [];
  const refuse: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const l = await once({ EXTENSION_SECRET: 'bench-extension-secret', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, /listening on/);
    const r = await once({ EXTENSION_SECRET: 'short', DESK_URL_KEY: 'bad' }, 'exit');
    if (i === 0) continue;
    listen.push(l);
    refuse.push(r);
  }
  results.serveStart = {
    listeningMs: { median: round(median(listen)), p95: round(percentile(listen, 95)) },
    badSettingsMs: { median: round(median(refuse)), p95: round(percentile(refuse, 95)) },
  };
  row(
    'serve start (node dist/server/main.js)',
    `${round(median(listen))} ms to listening`,
    '',
    '',
    `${round(median(refuse))} ms to the list of bad settings (exit 2)`,
  );
}

/** Both widget bundles: the status page (with its picker) and the ticket card. */
function widget(): void {
  for (const [key, file] of [
    ['widget', 'widget.js'],
    ['card', 'card.js'],
  ] as const) {
    const js = readFileSync(path.join(root, 'app/js', file));
    const w = { rawBytes: js.length, gzipBytes: gzipSync(js, { level: 9 }).length };
    results[key] = w;
    row(`widget bundle (app/js/${file})`, `${(w.rawBytes / 1024).toFixed(1)} KB raw`, '', '', `${(w.gzipBytes / 1024).toFixed(1)} KB gzipped`);
  }
}

const started = performance.now();
await fullPull();
await idleAndFleet();
await drain();
await serveStart();
{
  // GitHub's deliveries into Desk between pulls (bench/webhooks.ts).
  const { result, row: cells } = await deliveryToImport();
  results.deliveryToImport = result;
  row(...cells);
}
widget();
results.machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
results.runs = RUNS;
results.date = new Date().toISOString();
// Untracked: a run never rewrites a committed file (npm run bench:summary does, on purpose).
mkdirSync(path.join(root, 'bench/out'), { recursive: true });
const json = JSON.stringify(results, null, 2) + '\n';
writeFileSync(path.join(root, 'bench/out/latest.json'), json);
writeFileSync(path.join(root, `bench/out/run-${(results.date as string).replace(/[:.]/g, '-')}.json`), json);

const header = ['case', 'channel server', 'floor', 'ratio', 'details'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of rows) console.log(line(r));
console.log(
  `\nwhere a full pull's CPU goes: ${Object.entries((results.fullPull as { cpuProfileShares: Record<string, number> }).cpuProfileShares)
    .map(([k, v]) => `${k} ${v}%`)
    .join(', ')}`,
);
console.log(`machine: ${JSON.stringify(results.machine)}; ${RUNS} runs per case after a warm-up; ${round((performance.now() - started) / 1000, 1)} s in all`);
