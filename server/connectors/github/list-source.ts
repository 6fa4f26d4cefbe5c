import type { StreamPage, StreamSource } from '../../sync/stream.js';
import { GitHubError, MEDIA_FULL, MEDIA_HTML } from './api.js';
import { requestTimeout } from './request-timeout.js';
import type { RepoSyncContext } from './repo-sync-context.js';

/** Items per page of GitHub's lists (its maximum). */
export const PER_PAGE = 100;

/** A listed item as the change stream orders it: update time, then id. */
export interface Item<T> {
  time: number;
  id: number;
  value: T;
}

/** A GitHub list endpoint as a change stream: sorted by update time, ascending, `since` inclusive. */
export function listSource<T>(
  ctx: RepoSyncContext,
  repo: string,
  list: 'issues' | 'issues/comments',
  read: (x: unknown) => T | undefined,
  timeOf: (t: T) => number,
  idOf: (t: T) => number,
  deadline: number,
): StreamSource<Item<T>> {
  const { settings } = ctx;
  return {
    async fetch(req): Promise<StreamPage<Item<T>>> {
      const query: Record<string, string> = {
        sort: 'updated',
        direction: 'asc',
        since: new Date(req.since * 1000).toISOString().replace('.000Z', 'Z'),
        per_page: String(PER_PAGE),
      };
      if (list === 'issues') {
        query.state = 'all';
        if (settings.labels.length > 0) query.labels = settings.labels.join(',');
      }
      const timeoutMs = requestTimeout(ctx, deadline);
      // Issues need only their HTML; comments also their Markdown (our reply marker lives there).
      const accept = list === 'issues' ? MEDIA_HTML : MEDIA_FULL;
      const signal = req.signal ? { signal: req.signal } : {};
      const res = req.pageUrl
        ? await ctx.api.request<unknown>('GET', req.pageUrl, { timeoutMs, accept, ...signal })
        : await ctx.api.request<unknown>('GET', `/repos/${repo}/${list}`, { query, etag: req.etag, timeoutMs, accept, ...signal });
      const base = { ...(res.etag ? { etag: res.etag } : {}), ...(res.serverTime ? { serverTime: res.serverTime } : {}) };
      if (res.notModified) return { items: [], full: false, notModified: true, ...base };
      if (!Array.isArray(res.data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/${list}: not a list`, res.status);
      const items = res.data.map((raw) => {
        const v = read(raw);
        if (v === undefined) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/${list}: an item lacks required fields`, res.status);
        return { time: timeOf(v), id: idOf(v), value: v };
      });
      return { items, full: res.data.length >= PER_PAGE, ...(res.nextUrl ? { nextUrl: res.nextUrl } : {}), ...base };
    },
  };
}
