import type { FakeGitHub, FakeUser } from './index.js';

/** A seeded PRNG (mulberry32), so the sandbox tells the same story every time. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const people: Array<{ user: FakeUser; association: string }> = [
  { user: { login: 'mona', id: 1001 }, association: 'OWNER' },
  { user: { login: 'hubot', id: 1002 }, association: 'MEMBER' },
  { user: { login: 'ada-l', id: 2001 }, association: 'NONE' },
  { user: { login: 'grace-h', id: 2002 }, association: 'CONTRIBUTOR' },
  { user: { login: 'linus-t', id: 2003 }, association: 'FIRST_TIME_CONTRIBUTOR' },
  { user: { login: 'katherine-j', id: 2004 }, association: 'NONE' },
];

const titles = [
  'Crash when opening a file with an emoji in its name',
  'Docs: the install guide skips the config step',
  'Export to CSV drops the last row',
  'Feature: dark mode for the dashboard',
  'Login loops forever behind a corporate proxy',
  'Typo in the error message for expired tokens',
  'Slow search on repositories with 10k+ items',
  'Support for Node 22',
];
const replies = [
  'I can reproduce this on 2.3.1.',
  'Same here, on macOS 15.',
  'Could you share the log output?',
  'Here it is:\n\n```\nError: ENOENT\n```',
  'Thanks for the report! We are looking into it.',
  'A fix is in review.',
  'Still happening after the update :(',
];

/**
 * A few realistic repositories: issues, pull requests, labels, and people inside and
 * outside the project. `tick` runs after each write, so a caller can spread the
 * history over time.
 */
export function seedRealistic(gh: FakeGitHub, rng: () => number = seededRandom(42), tick: () => void = () => undefined): string[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const repos = ['acme/widgets', 'acme/docs'];
  for (const repo of repos) {
    gh.createRepo(repo);
    for (let i = 0; i < 12; i++) {
      const who = pick(people.slice(2));
      const issue = gh.createIssue(repo, {
        title: pick(titles),
        body: `**What happened**\n\n${pick(replies)}\n\nVersion: 2.${Math.floor(rng() * 5)}.${Math.floor(rng() * 9)}`,
        user: who.user,
        association: who.association,
        labels: rng() < 0.5 ? ['bug'] : rng() < 0.5 ? ['enhancement'] : [],
        pullRequest: i % 5 === 4,
      });
      tick();
      const n = Math.floor(rng() * 4);
      for (let c = 0; c < n; c++) {
        const author = pick(people);
        gh.createComment(repo, issue.number, { body: pick(replies), user: author.user, association: author.association });
        tick();
      }
    }
  }
  return repos;
}

/** Keeps the fake busy: new issues, comments, edits and triage every `everyMs`. Returns the stop function. */
export function startActivity(gh: FakeGitHub, o: { everyMs: number; repos: string[]; rng?: () => number }): () => void {
  const rng = o.rng ?? seededRandom(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const timer = setInterval(() => {
    const repo = pick(o.repos);
    const issues = gh.issues(repo);
    const roll = rng();
    const who = pick(people);
    if (roll < 0.25 || issues.length === 0) {
      gh.createIssue(repo, { title: pick(titles), body: pick(replies), user: who.user, association: who.association, labels: rng() < 0.5 ? ['bug'] : [] });
    } else if (roll < 0.8) {
      gh.createComment(repo, pick(issues).number, { body: pick(replies), user: who.user, association: who.association });
    } else if (roll < 0.9) {
      const comments = gh.comments(repo);
      if (comments.length > 0) gh.editComment(repo, pick(comments).id, `${pick(replies)} (edited)`);
    } else {
      // A maintainer triages: closes, reopens or labels an issue (the ticket's story threads).
      const issue = pick(issues);
      const labels = issue.labels.map((l) => l.name);
      const maintainer = people.find((p) => p.association === 'MEMBER')?.user ?? who.user;
      if (rng() < 0.5)
        gh.editIssue(
          repo,
          issue.number,
          issue.state === 'open' ? { state: 'closed', stateReason: rng() < 0.7 ? 'completed' : 'not_planned' } : { state: 'open' },
          maintainer,
        );
      else
        gh.editIssue(
          repo,
          issue.number,
          { labels: labels.includes('needs-triage') ? labels.filter((l) => l !== 'needs-triage') : [...labels, 'needs-triage'] },
          maintainer,
        );
    }
  }, o.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
