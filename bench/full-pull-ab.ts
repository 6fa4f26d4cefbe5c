/**
 * `npx tsx bench/full-pull-ab.ts OTHER_TREE`: the full pull (1000 issues + 1000 comments,
 * GitHub-like bodies, the sanitiser's memo emptied before each pull: a first import) of
 * this tree and of another checkout, interleaved round by round so the machine's load
 * falls on both alike, each against its floor measured in the same round. Medians of
 * BENCH_RUNS rounds (default 7) after a warm-up, with the spread (min–max).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.js';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const other = path.resolve(process.argv[2] ?? '');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Tree {
  name: string;
  pull: () => Promise<{ ms: number; floor: number; cpuUsPerItem: number }>;
}

async function tree(root: string, name: string): Promise<Tree> {
  const h = (await import(path.join(root, 'bench/harness.ts'))) as typeof import('./harness.js');
  const { memo } = (await import(path.join(root, 'server/desk/sanitise.ts'))) as typeof import('../server/desk/sanitise.js');
  const fake = await h.startFake([{ name: 'acme/widgets', issues: 1000, comments: 1000 }]);
  const server = await h.startChannel(fake.url);
  const body = { repositories: 'acme/widgets', importSince: 'all' };
  let payload = Buffer.alloc(0);
  const bare = await h.bareServer(() => payload);
  return {
    name,
    pull: async () => {
      await fake.drain();
      memo.clear();
      const s = await h.pull(server.url, body, '1', false);
      const { requests } = await fake.drain();
      payload = Buffer.from(s.text);
      const floor = (await h.replay(fake.url, requests)) + (await bare.time(body));
      const sync = JSON.parse(s.text) as { data: { tickets: unknown[]; threads: unknown[] } };
      return { ms: s.ms, floor, cpuUsPerItem: (s.cpuMs * 1000) / (sync.data.tickets.length + sync.data.threads.length) };
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
    `${name.padEnd(12)} full pull ${spread(s.map((x) => x.ms))} ms, floor ${spread(s.map((x) => x.floor))} ms, ratio ${spread(ratios)}x, CPU ${spread(s.map((x) => x.cpuUsPerItem))} µs per item (process-wide)`,
  );
}
process.exit(0);
