import { expect } from 'chai';
import type { FakeGitHub } from '../../sandbox/fake-github/index.js';
import type { DeskSimulator } from '../../sandbox/desk-simulator/index.js';

interface GhItem {
  id: number;
  number?: number;
  title?: string;
  body?: string | null;
  body_html?: string | null;
  labels?: Array<{ name: string } | string>;
  pull_request?: unknown;
  issue_url?: string;
  event?: string;
  issue?: GhItem;
}

/** Issue events a story thread tells (story-thread.ts); others (renamed, …) have none. */
const TOLD = /^(closed|reopened|labeled|unlabeled|assigned|unassigned|milestoned|demilestoned|locked|unlocked)$/;

/** Reads a whole list from the fake GitHub the way any client would: full media type, Link pages. */
export async function readAll(gh: FakeGitHub, token: string, path: string, query: Record<string, string> = {}): Promise<GhItem[]> {
  const out: GhItem[] = [];
  let url: string | undefined = `${gh.url}${path}?${new URLSearchParams({ per_page: '100', ...query })}`;
  while (url) {
    const res: Response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github.full+json' } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    out.push(...((await res.json()) as GhItem[]));
    const link = res.headers.get('link') ?? '';
    url = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  }
  return out;
}

/**
 * The invariant "nothing is lost", checked whole: Desk holds every issue and comment
 * of the channel with GitHub's latest content, nothing else, and nothing was created
 * twice or refused.
 */
export async function expectDeskMirrorsGitHub(
  gh: FakeGitHub,
  desk: DeskSimulator,
  o: {
    token: string;
    repos: string[];
    labels?: string[];
    includePullRequests?: boolean;
    ownReplies?: Set<string>;
    allowExtra?: boolean;
    storyThreads?: boolean;
    storySince?: number;
  },
): Promise<{ tickets: number; threads: number }> {
  const wantTickets = new Map<string, string>();
  const wantThreads = new Map<string, string>();
  const wantStory: string[] = [];
  for (const repo of o.repos) {
    const issues = await readAll(gh, o.token, `/repos/${repo}/issues`, { state: 'all' });
    const eligible = new Set<number>();
    for (const i of issues) {
      const labels = (i.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
      if (i.pull_request && !o.includePullRequests) continue;
      if (!(o.labels ?? []).every((l) => labels.includes(l))) continue;
      eligible.add(i.number!);
      wantTickets.set(`${repo}:${i.number}`, (i.title ?? '').trim());
      wantThreads.set(`${repo}:${i.number}:body`, i.body_html || '<p><em>No description provided.</em></p>');
    }
    for (const c of await readAll(gh, o.token, `/repos/${repo}/issues/comments`)) {
      const n = Number(/\/issues\/(\d+)$/.exec(c.issue_url ?? '')?.[1]);
      const extId = `${repo}:c${c.id}`;
      if (!eligible.has(n) || o.ownReplies?.has(extId)) continue;
      wantThreads.set(extId, c.body_html || '<p><em>No description provided.</em></p>');
    }
    if (o.storyThreads !== false) {
      for (const e of (await readAll(gh, o.token, `/repos/${repo}/issues/events`)).reverse()) {
        if (TOLD.test(e.event ?? '') && eligible.has(e.issue?.number ?? 0)) wantStory.push(`${repo}:e${e.id}`);
      }
    }
  }
  // Story threads start at the first pull (no backfill) and then miss nothing: what Desk
  // holds of each repository's events is exactly the newest part of the list.
  const isStory = (k: string) => /:e\d+$/.test(k);
  const gotStory = new Set([...desk.store.threads.keys()].filter(isStory));
  for (const repo of o.repos) {
    const want = wantStory.filter((k) => k.startsWith(`${repo}#`));
    const first = want.findIndex((k) => gotStory.has(k));
    const suffix = first < 0 ? [] : want.slice(first);
    expect([...gotStory].filter((k) => k.startsWith(`${repo}#`)).sort(), `story threads of ${repo}: the newest events, none missing`).to.deep.equal(
      [...suffix].sort(),
    );
    if (o.storySince !== undefined)
      expect(suffix.length, `story threads of ${repo} since the first pull`).to.equal(want.filter((k) => Number(k.split('#e')[1]) > o.storySince!).length);
  }
  const gotTickets = new Map([...desk.store.tickets].map(([k, v]) => [k, v.object.subject]));
  const gotThreads = new Map([...desk.store.threads].filter(([k]) => !o.ownReplies?.has(k) && !isStory(k)).map(([k, v]) => [k, v.object.content]));
  // allowExtra: issues that left the channel (a label removed) stay in Desk as they were.
  if (o.allowExtra) {
    expect(
      [...wantTickets.keys()].filter((k) => !gotTickets.has(k)),
      'tickets missing from Desk',
    ).to.deep.equal([]);
    expect(
      [...wantThreads.keys()].filter((k) => !gotThreads.has(k)),
      'threads missing from Desk',
    ).to.deep.equal([]);
  } else {
    expect([...gotTickets.keys()].sort(), 'tickets in Desk').to.deep.equal([...wantTickets.keys()].sort());
    expect([...gotThreads.keys()].sort(), 'threads in Desk').to.deep.equal([...wantThreads.keys()].sort());
  }
  for (const [k, subject] of wantTickets) expect(gotTickets.get(k), k).to.equal(subject.length > 255 ? gotTickets.get(k) : subject);
  for (const [k, content] of wantThreads) expect(gotThreads.get(k), `latest content of ${k}`).to.equal(content);
  for (const [k, v] of [...desk.store.tickets, ...desk.store.threads]) expect(v.createdCount, `${k} created once`).to.equal(1);
  expect(desk.store.rejections, 'batches Desk refused').to.deep.equal([]);
  return { tickets: wantTickets.size, threads: wantThreads.size };
}
