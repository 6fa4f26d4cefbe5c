/**
 * `npx tsx bench/sanitiser-ab.ts`: the full pull (1000 issues + 1000 comments) with the
 * sanitiser's memo off (every body parsed, as before the memo), on but emptied before
 * each pull (a first import), and on and warm (GitHub re-sending the same bodies),
 * interleaved in one run so the machine's load falls on all three alike. Medians and
 * the spread (min-max) in ms; the floor as `npm run bench` measures it.
 */
import { bareServer, pull, replay, startChannel, startFake } from './harness.js';
import { memo } from '../server/desk/sanitise.js';
import { median, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const fake = await startFake([{ name: 'acme/widgets', issues: 1000, comments: 1000 }]);
const server = await startChannel(fake.url);
const body = { repositories: 'acme/widgets', importSince: 'all' };
const capacity = memo.maxChars;
const modes = {
  off: () => ((memo.maxChars = 0), memo.clear()),
  cold: () => ((memo.maxChars = capacity), memo.clear()),
  warm: () => void (memo.maxChars = capacity),
};
const ms: Record<string, number[]> = { off: [], cold: [], warm: [], floor: [] };
let payload = Buffer.alloc(0);
const bare = await bareServer(() => payload);
for (let i = 0; i <= RUNS; i++) {
  for (const [mode, set] of Object.entries(modes)) {
    set();
    await fake.drain();
    const s = await pull(server.url, body);
    const { requests } = await fake.drain();
    if (i > 0) ms[mode]!.push(s.ms); // the first round warms up
    if (mode === 'off' && i > 0) {
      payload = Buffer.from(s.text);
      ms.floor!.push((await replay(fake.url, requests)) + (await bare.time(body)));
    }
  }
}
const floor = median(ms.floor!);
for (const [k, v] of Object.entries(ms))
  console.log(`${k.padEnd(5)} median ${round(median(v))} ms  (min ${round(Math.min(...v))}, max ${round(Math.max(...v))})  ${round(median(v) / floor)}x floor`);
await bare.close();
await server.close();
await fake.close();
