/**
 * `npx tsx bench/sanitiser-speed.ts`: the single-pass sanitiser (server/desk/sanitise.ts,
 * memo bypassed) against sanitize-html with the same allow-list (the tests' reference),
 * on the GitHub-like corpus (each body made distinct, as real bodies are) and on the
 * trivial bodies the fake rendered before it. Rounds interleave the two so the machine's
 * load falls on both alike; medians of the rounds, with the spread (min–max).
 */
import { allowList } from '../server/desk/sanitise.js';
import { corpusBody, corpusHtml } from '../sandbox/fake-github/github-corpus.js';
import { renderHtml } from '../sandbox/fake-github/render.js';
import { referenceSanitise } from '../test/helpers/sanitiser-reference.js';
import { median, round } from './stats.js';

const ROUNDS = Number(process.env.BENCH_RUNS ?? 9);
const bodies = {
  'GitHub-like': Array.from({ length: 2000 }, (_, n) => corpusHtml(corpusBody(n % 2 === 0 ? 'issue' : 'comment', n))!),
  trivial: Array.from({ length: 2000 }, (_, n) => renderHtml(`Steps to reproduce:\n\n1. export **${n}** rows\n2. count them`)),
};
const out: Record<string, unknown> = {};
for (const [corpus, html] of Object.entries(bodies)) {
  const us: Record<'ours' | 'sanitize-html', number[]> = { ours: [], 'sanitize-html': [] };
  const time = (f: (h: string) => unknown) => {
    const t = performance.now();
    for (const h of html) f(h);
    return ((performance.now() - t) * 1000) / html.length;
  };
  for (let r = 0; r <= ROUNDS; r++) {
    const a = time(allowList);
    const b = time(referenceSanitise);
    if (r === 0) continue; // warm-up
    us.ours.push(a);
    us['sanitize-html'].push(b);
  }
  const ratios = us['sanitize-html'].map((b, i) => b / us.ours[i]!);
  out[corpus] = {
    bytesPerBody: Math.round(html.reduce((n, h) => n + h.length, 0) / html.length),
    oursUsPerBody: { median: round(median(us.ours)), min: round(Math.min(...us.ours)), max: round(Math.max(...us.ours)) },
    sanitizeHtmlUsPerBody: {
      median: round(median(us['sanitize-html'])),
      min: round(Math.min(...us['sanitize-html'])),
      max: round(Math.max(...us['sanitize-html'])),
    },
    speedup: { median: round(median(ratios)), min: round(Math.min(...ratios)), max: round(Math.max(...ratios)) },
  };
}
console.log(JSON.stringify({ rounds: ROUNDS, ...out }, null, 2));
