import type { FakeGitHub } from '../../sandbox/fake-github/index.js';
import type { TestClock } from '../helpers/clock.js';
import { seededRandom } from '../../sandbox/fake-github/activity.js';

/** The sandbox's seeded PRNG, so a history is the same on every run. */
export const rng = seededRandom;

const PEOPLE = [
  { user: { login: 'maintainer', id: 101 }, association: 'OWNER' },
  { user: { login: 'teammate', id: 102 }, association: 'MEMBER' },
  { user: { login: 'alice', id: 201 }, association: 'NONE' },
  { user: { login: 'bob', id: 202 }, association: 'CONTRIBUTOR' },
  { user: { login: 'carol', id: 203 }, association: 'FIRST_TIME_CONTRIBUTOR' },
];

/**
 * Builds a history: `issues` issues (some pull requests, some labelled) and `comments`
 * comments, written in bursts that share one second (the clock does not move inside a
 * burst), so equal updated_at times are common.
 */
export function buildHistory(gh: FakeGitHub, clock: TestClock, repo: string, o: { issues: number; comments: number; seed: number }): void {
  const r = rng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const numbers: number[] = [];
  let written = 0;
  const tick = () => {
    if (++written % 7 === 0) clock.advance(r() < 0.3 ? 0 : 1 + Math.floor(r() * 30));
  };
  for (let i = 0; i < o.issues; i++) {
    const who = pick(PEOPLE);
    const labels = r() < 0.4 ? ['bug'] : r() < 0.5 ? ['bug', 'help wanted'] : [];
    const issue = gh.createIssue(repo, {
      title: `Issue ${i}: ${pick(['crash on start', 'docs typo', 'slow query', 'feature idea'])}`,
      body: r() < 0.1 ? '' : `Steps to reproduce **${i}**\n\n1. run <b>it</b>`,
      user: who.user,
      association: who.association,
      labels,
      pullRequest: r() < 0.1,
    });
    numbers.push(issue.number);
    tick();
  }
  for (let c = 0; c < o.comments; c++) {
    const who = pick(PEOPLE);
    gh.createComment(repo, pick(numbers), { body: `comment ${c} by ${who.user.login}`, user: who.user, association: who.association });
    tick();
  }
}

/** Activity between pulls: edits of issues and comments, new comments, new issues, label changes. */
export function churn(gh: FakeGitHub, clock: TestClock, repo: string, seed: number, steps: number): void {
  const r = rng(seed);
  for (let s = 0; s < steps; s++) {
    const issues = gh.issues(repo);
    const comments = gh.comments(repo);
    const roll = r();
    if (roll < 0.3 && comments.length > 0) {
      const c = comments[Math.floor(r() * comments.length)]!;
      gh.editComment(repo, c.id, `edited at step ${s}: ${r().toString(36).slice(2)}`);
    } else if (roll < 0.55 && issues.length > 0) {
      const i = issues[Math.floor(r() * issues.length)]!;
      gh.editIssue(repo, i.number, { title: `Edited ${s}`, body: `new body ${s}` });
    } else if (roll < 0.7 && issues.length > 0) {
      const i = issues[Math.floor(r() * issues.length)]!;
      gh.editIssue(repo, i.number, { labels: r() < 0.5 ? ['bug'] : [] });
    } else if (roll < 0.9 && issues.length > 0) {
      const i = issues[Math.floor(r() * issues.length)]!;
      gh.createComment(repo, i.number, { body: `late comment ${s}`, user: { login: 'dave', id: 204 }, association: 'NONE' });
    } else {
      gh.createIssue(repo, { title: `New issue ${s}`, body: 'new', user: { login: 'erin', id: 205 }, association: 'NONE', labels: ['bug'] });
    }
    if (r() < 0.5) clock.advance(r() < 0.5 ? 0 : 1);
  }
}
