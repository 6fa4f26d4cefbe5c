import type { StreamSource } from '../../sync/stream.js';
import type { GhIssue } from './github-types.js';
import type { GitHubSettings } from './settings.js';
import type { Item } from './list-source.js';

/**
 * What a caught-up issue listing proves: every issue that existed before `before` was
 * listed, and was sent (by this pull or an earlier one) unless the listing saw it
 * updated at or past `before` -- such an issue (written to within the settle window,
 * maybe at every pull) may never have been sent, though its older comments have settled.
 */
export interface SentProof {
  before: number;
  unsettled: ReadonlySet<number>;
}

/**
 * Records each issue's update time as the listing serves it. The proof needs every
 * issue past the horizon seen: a listing that stopped on a full page has more unread,
 * so it proves nothing (its comments read their issue instead).
 */
export function watchListing(inner: StreamSource<Item<GhIssue>>): { source: StreamSource<Item<GhIssue>>; proof: (horizon: number) => SentProof | undefined } {
  const listed = new Map<number, number>();
  let lastPageFull = false;
  return {
    source: {
      async fetch(req) {
        const page = await inner.fetch(req);
        for (const item of page.items) listed.set(item.id, Math.max(item.time, listed.get(item.id) ?? item.time));
        lastPageFull = page.full;
        return page;
      },
    },
    proof(horizon) {
      if (lastPageFull) return undefined;
      return { before: horizon, unsettled: new Set([...listed].filter(([, t]) => t >= horizon).map(([n]) => n)) };
    },
  };
}

/**
 * Whether the proof vouches that Desk has issue `issueNumber`'s ticket, given `at`, a time
 * by which the issue existed and had last been updated no earlier: a comment's creation
 * (a comment is never older than its issue, and moves its updated_at), or the issue's
 * last update as an event carries it now. Inside [importSince, before) and not seen past
 * the horizon, the caught-up listing (or an earlier one) handled the issue. Under a label
 * filter it never vouches: an issue can have entered the channel since it was listed.
 */
export function vouchesFor(proof: SentProof | undefined, issueNumber: number, at: number, settings: Pick<GitHubSettings, 'labels' | 'importSince'>): boolean {
  return proof !== undefined && settings.labels.length === 0 && at >= settings.importSince && at < proof.before && !proof.unsettled.has(issueNumber);
}
