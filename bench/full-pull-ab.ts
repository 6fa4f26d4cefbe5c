/**
 * `npx tsx bench/full-pull-ab.ts OTHER_TREE`: the full pull (1000 issues + 1000 comments,
 * GitHub-like bodies, a first import: a fresh server warmed on other bodies) of
 * this tree and of another checkout, interleaved round by round so the machine's load
 * falls on both alike, each against its floor measured in the same round. Medians of
 * BENCH_RUNS rounds (default 7) after a warm-up, with the spread (min–max). The servers
 * run in processes of their own (production mode, direct transport), so the CPU per item
 * is the server's alone (/proc), apart from the client and the floor's bare server.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.js';
import { startServerProcess } from './server-process.js';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const other = path.resolve(process.argv[2] ?? '');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Tree {
  name: string;
  pull: () => Promise<{ ms: number; floor: number; cpuUsPerItem: number }>;
  /** Stops its fake GitHub (a process of its own) and its bare server. */
  close: () => Promise<void>;
}

async function tree(root: string, name: string): Promise<Tree> {
  const h = (await import(path.join(root, 'bench/harness.ts'))) as typeof import('./harness.js');
  const fake = await h.startFake([
    { name: 'acme/widgets', issues: 1000, comments: 1000 },
    { name: 'acme/warm', issues: 1000, comments: 1000 },
  ]);
  let payload = Buffer.alloc(0);
  const bare = await h.bareServer(() => payload);
  const body = { repositories: 'acme/widgets', importSince: 'all' };
  return {
    name,
    pull: async () => {
      // A fresh server process, warmed on another repository's bodies: the pull measured is
      // a first import (an empty sanitiser memo for its bodies) on compiled code.
      const server = await startServerProcess(root, {
        EXTENSION_SECRET: 'bench-extension-secret',
        TRANSPORT: 'direct',
        GITHUB_TOKEN: h.TOKEN,
        GITHUB_API_URL: fake.url,
        PULL_TIME_BUDGET_MS: '60000',
        LOG_LEVEL: 'silent',
      });
      for (let w = 0; w < 3; w++) await h.pull(server.url, { repositories: 'acme/warm', importSince: 'all' }, String(100 + w), false);
      await fake.drain();
      const cpu0 = server.cpuMs();
      const s = await h.pull(server.url, body, '1', false);
      const cpuMs = server.cpuMs() - cpu0;
      await server.stop();
      const { requests } = await fake.drain();
      payload = Buffer.from(s.text);
      const floor = (await h.replay(fake.url, requests)) + (await bare.time(body));
      const sync = JSON.parse(s.text) as { data: { tickets: unknown[]; threads: unknown[] } };
      return { ms: s.ms, floor, cpuUsPerItem: (cpuMs * 1000) / (sync.data.tickets.length + sync.data.threads.length) };
    },
    close: async () => {
      await fake.close();
      await bare.close();
    },
  };
}

const trees = [await tree(other, path.basename(other)), await tree(here, 'this tree')];
const seen = new Map<string, Array<{ ms: number; floor: number; cpuUsPerItem: number }>>();
for (let r = 0; r <= RUNS; r++)
  for (const t of trees) {
    const s = await t.pull();
    if (r > 0) seen.set(t.name, [...(seen.get(t.name) ?? []), s]);
  }
const spread = (v: number[]) => `${round(median(v))} (${round(Math.min(...v))}–${round(Math.max(...v))})`;
for (const [name, s] of seen) {
  const ratios = s.map((x) => x.ms / x.floor);
  console.log(
    `${name.padEnd(12)} full pull ${spread(s.map((x) => x.ms))} ms, floor ${spread(s.map((x) => x.floor))} ms, ratio ${spread(ratios)}x, server CPU ${spread(s.map((x) => x.cpuUsPerItem))} µs per item`,
  );
}
// The fakes run in processes of their own: left running, they would outlive the bench.
for (const t of trees) await t.close();
process.exit(0);
