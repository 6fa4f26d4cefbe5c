import type { IssueKey } from '../../escalation/links.js';
import type { IssueNow, IssueSide, Transition } from '../../escalation/loop.js';
import { GitHubApi, GitHubError } from './api.js';
import { isOwnCount, withCountMarker } from './marker.js';

/** Pages of an issue's comments looked through for our count comment (100 a page). */
const COUNT_SEARCH_PAGES = 5;

/**
 * GitHub's side of the escalation loop: an issue read by its repository's numeric id
 * (`/repositories/{id}/…`, so a renamed or transferred repository keeps its links), its
 * last close or reopen from the issue's events, and the one count comment of ours.
 */
export function gitHubIssueSide(api: GitHubApi, o: { secret: string; orgId: string; timeoutMs: () => number }): IssueSide {
  const base = (k: IssueKey) => `/repositories/${k.repoId}/issues/${k.number}`;
  return {
    async read(k: IssueKey): Promise<IssueNow | undefined> {
      let issue: unknown;
      try {
        issue = (await api.request<unknown>('GET', base(k), { timeoutMs: o.timeoutMs() })).data;
      } catch (err) {
        // Deleted (410) or gone with its repository (404): nothing to tell, the links stay for the agent to see.
        if (err instanceof GitHubError && (err.upstreamStatus === 404 || err.upstreamStatus === 410)) return undefined;
        throw err;
      }
      const i = issue as { state?: unknown; title?: unknown; html_url?: unknown; number?: unknown; state_reason?: unknown };
      if ((i.state !== 'open' && i.state !== 'closed') || typeof i.title !== 'string' || typeof i.html_url !== 'string') return undefined;
      const now: IssueNow = { key: k, state: i.state, title: i.title.slice(0, 300), url: i.html_url, name: nameOf(i.html_url) };
      const transition = await lastTransition(api, base(k), i.state, o.timeoutMs);
      if (transition) now.transition = transition;
      return now;
    },

    async count(k: IssueKey, linked: number, label?: string): Promise<'posted' | 'edited' | 'same' | 'none'> {
      if (label) await keepLabel(api, base(k), label, linked > 0, o.timeoutMs);
      const text =
        linked === 0
          ? 'No help-desk tickets are linked to this issue any more.'
          : `**${linked} help-desk ticket${linked === 1 ? ' is' : 's are'} linked to this issue.**\n\n<sub>Counted by the Zoho Desk GitHub channel: a number only, no customer or ticket details.</sub>`;
      const body = withCountMarker(o.secret, o.orgId, text);
      let ours: { id: number; body: string } | undefined;
      let pages = 0;
      for await (const page of api.pages(`${base(k)}/comments`, { query: { per_page: '100' }, maxPages: COUNT_SEARCH_PAGES, timeoutMs: o.timeoutMs })) {
        pages++;
        for (const c of page as { id?: unknown; body?: unknown }[])
          if (typeof c.id === 'number' && typeof c.body === 'string' && isOwnCount(o.secret, o.orgId, c.body)) ours ??= { id: c.id, body: c.body };
        if (ours) break;
      }
      if (ours?.body === body) return 'same';
      if (ours) {
        await api.request('PATCH', `/repositories/${k.repoId}/issues/comments/${ours.id}`, { body: { body }, timeoutMs: o.timeoutMs() });
        return 'edited';
      }
      if (linked === 0 || pages === 0) return 'none';
      await api.request('POST', `${base(k)}/comments`, { body: { body }, timeoutMs: o.timeoutMs() });
      return 'posted';
    },
  };
}

/** The admin's label on the issue while tickets are linked, off when none are (GitHub answers 404 for a label not on it). */
async function keepLabel(api: GitHubApi, issuePath: string, label: string, on: boolean, timeoutMs: () => number): Promise<void> {
  if (on) {
    await api.request('POST', `${issuePath}/labels`, { body: { labels: [label] }, timeoutMs: timeoutMs() });
    return;
  }
  try {
    await api.request('DELETE', `${issuePath}/labels/${encodeURIComponent(label)}`, { timeoutMs: timeoutMs() });
  } catch (err) {
    if (!(err instanceof GitHubError && err.upstreamStatus === 404)) throw err;
  }
}

/** The issue's last close (or reopen, when open) as its events list tells it: oldest first, so the last page. */
async function lastTransition(api: GitHubApi, issuePath: string, state: 'open' | 'closed', timeoutMs: () => number): Promise<Transition | undefined> {
  const first = await api.request<unknown>('GET', `${issuePath}/events`, { query: { per_page: '100' }, timeoutMs: timeoutMs() });
  let events = Array.isArray(first.data) ? (first.data as unknown[]) : [];
  if (first.lastUrl) {
    const last = await api.request<unknown>('GET', first.lastUrl, { timeoutMs: timeoutMs() });
    if (Array.isArray(last.data)) events = [...events, ...(last.data as unknown[])];
  }
  const wanted = state === 'closed' ? 'closed' : 'reopened';
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as { id?: unknown; event?: unknown; actor?: { login?: unknown } | null; state_reason?: unknown; commit_id?: unknown };
    if (e.event !== wanted || typeof e.id !== 'number' || !Number.isSafeInteger(e.id) || e.id <= 0) continue;
    const reason = typeof e.state_reason === 'string' ? e.state_reason : '';
    const t: Transition = {
      kind: state === 'open' ? 'reopened' : reason === 'not_planned' || reason === 'duplicate' ? 'not_planned' : 'completed',
      eventId: e.id,
    };
    if (typeof e.actor?.login === 'string' && /^[A-Za-z0-9-]{1,39}(\[bot\])?$/.test(e.actor.login)) t.actor = e.actor.login;
    if (typeof e.commit_id === 'string' && /^[0-9a-f]{7,40}$/.test(e.commit_id)) t.commit = e.commit_id;
    return t;
  }
  return undefined;
}

/** owner/repo#n from an issue's web address, for people to read (never used as a key). */
function nameOf(htmlUrl: string): string {
  const m = /\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)$/.exec(htmlUrl);
  return m ? `${m[1]}/${m[2]}#${m[3]}` : htmlUrl;
}
