/**
 * The benchmarks' fake GitHub, in a process of its own so that its CPU time is not
 * counted as the channel server's. Seeded from the scenario the parent sends, with
 * update times spread over the past (three items a second), so reads are settled.
 */
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { corpusBody } from '../sandbox/fake-github/github-corpus.js';

// GitHub-like bodies (the fake renders them as github.com does) unless BENCH_HTML=trivial.
const trivial = process.env.BENCH_HTML === 'trivial';

interface Scenario {
  token: string;
  repos: Array<{ name: string; issues: number; comments: number }>;
}

const scenario = JSON.parse(process.env.BENCH_SCENARIO ?? '{}') as Scenario;
let clockMs = Date.parse('2026-01-01T00:00:00Z');
const gh = await startFakeGitHub({ token: scenario.token, now: () => clockMs, rateLimit: 10_000_000 });
let writes = 0;
const tick = () => {
  if (++writes % 3 === 0) clockMs += 1000;
};
for (const repo of scenario.repos) {
  gh.createRepo(repo.name);
  const numbers: number[] = [];
  for (let i = 0; i < repo.issues; i++) {
    numbers.push(
      gh.createIssue(repo.name, {
        title: `Issue ${i}: the export drops the last row`,
        body: trivial ? `Steps to reproduce:\n\n1. export **${i}** rows\n2. count them` : corpusBody('issue', i, repo.name),
        user: { login: `user${i % 97}`, id: 10_000 + (i % 97) },
        association: i % 5 === 0 ? 'MEMBER' : 'NONE',
        labels: i % 3 === 0 ? ['bug'] : [],
      }).number,
    );
    tick();
  }
  for (let c = 0; c < repo.comments; c++) {
    gh.createComment(repo.name, numbers[c % numbers.length]!, {
      body: trivial ? `Comment ${c}: I can reproduce this on 2.3.1.` : corpusBody('comment', c, repo.name),
      user: { login: `user${c % 89}`, id: 20_000 + (c % 89) },
      association: c % 4 === 0 ? 'MEMBER' : 'NONE',
    });
    tick();
  }
}
// Let time pass: the server reads GitHub's clock from the Date header.
clockMs += 3600_000;

process.on('message', (m: { type: string }) => {
  if (m.type === 'requests') process.send!({ type: 'requests', requests: gh.requests.splice(0), used: gh.rateLimitState(scenario.token).used });
});
process.send!({ type: 'ready', url: gh.url });
