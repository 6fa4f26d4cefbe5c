import { AppError } from '../../../server/errors.js';
import { plainText, sanitiseHtml } from '../../../server/desk/sanitise.js';
import type { SyncUnit } from '../../../server/sync/batch.js';
import type { Connector, PullSession, SourceOutcome } from '../../../server/sync/connector.js';
import type { DeskCall } from '../../../server/desk/normalise.js';
import type { Transport } from '../../../server/transport/transport.js';
import type { FeedEntry } from './feed-server.js';
import { isOwnReply } from './replies.js';

/**
 * A second connector, used only by tests to prove the engine's seam: a JSON feed (an
 * append-only change log, feed-server.ts) whose posts become tickets and whose replies
 * become threads. docs/adding-a-connector.md walks through it.
 */
export interface FeedSettings {
  feeds: string[];
}

/** The feed's cursor: every entry with seq <= q has been handled. The engine never reads it. */
export interface FeedCursor {
  q: number;
}

export interface FeedConnectorOptions {
  /** The way feed calls leave for an installation (direct with a token, or Desk's Invoke). */
  transportFor: (query: DeskCall) => Transport;
  /** The extension's secret: our own replies (marked with a key derived from it) are never imported. */
  secret: string;
  /** With webhooks: each pull keeps this installation's hook on every feed (deliveries.ts). */
  keepHooks?: ((transport: Transport, query: DeskCall, feeds: readonly string[]) => Promise<void>) | undefined;
}

export function jsonFeedConnector(o: FeedConnectorOptions): Connector<FeedSettings, FeedCursor> {
  return {
    service: 'JSON feed',
    readSettings,
    sources: (settings) => settings.feeds,
    readCursor: (stored) => (Number.isSafeInteger(stored.q) && (stored.q as number) >= 0 ? { q: stored.q as number } : undefined),
    slimCursor: (cursor) => cursor,
    open: ({ query, settings, now }) => {
      const transport = o.transportFor(query);
      const own = (feed: string, e: FeedEntry) => isOwnReply(o.secret, query.orgId, feed, e);
      const keep = o.keepHooks;
      return { ...feedSession(transport, now, own), ...(keep ? { upkeep: async () => (await keep(transport, query, settings.feeds), {}) } : {}) };
    },
  };
}

/** The feeds the config param `feeds` names (comma or space separated). */
export function readSettings(params: { feeds?: string | null | undefined }): FeedSettings {
  const feeds = [
    ...new Set(
      (params.feeds ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((f) => f.toLowerCase()),
    ),
  ];
  if (feeds.length === 0 || feeds.some((f) => !/^[a-z0-9-]{1,40}$/.test(f))) throw new AppError('CONFIG_INVALID', 'feeds must name one or more feeds');
  return { feeds };
}

function feedSession(transport: Transport, now: () => number, own: (feed: string, e: FeedEntry) => boolean): PullSession<FeedCursor> {
  return {
    async sync(feed, cursor, budget, batch): Promise<SourceOutcome<FeedCursor>> {
      const start = cursor?.q ?? 0;
      let q = start;
      try {
        for await (const page of entryPages(transport, feed, start, () => budget.deadline - now())) {
          for (const entry of page) {
            // A reply's post went out in an earlier pull when the cursor had passed its first entry.
            const sentBefore = entry.kind === 'reply' && entry.postFirst! <= start ? new Set([ticketId(feed, entry.post!)]) : undefined;
            if (own(feed, entry)) {
              q = entry.seq;
              continue;
            }
            if (now() >= budget.deadline || !batch.add(unitOf(feed, entry), budget, sentBefore)) return { cursor: { q }, more: true, lag: 0 };
            q = entry.seq;
          }
        }
        return { cursor: { q }, more: false, lag: 0 };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const until = err.retryAfter === undefined ? undefined : Math.floor(now() / 1000) + err.retryAfter;
        return { cursor: { q }, more: false, lag: 0, error: err, ...(until ? { coolDownUntil: until } : {}) };
      }
    },
    rateLimit: () => undefined,
  };
}

/** The feed's pages after `after`, following `next` links: one async iterable, as octokit's paginate. */
async function* entryPages(transport: Transport, feed: string, after: number, timeLeft: () => number): AsyncGenerator<FeedEntry[]> {
  let target: string | undefined = `/feeds/${feed}/entries?after=${after}`;
  while (target !== undefined && timeLeft() > 0) {
    const res = await transport.send({ method: 'GET', target, headers: { accept: 'application/json' }, timeoutMs: Math.max(50, timeLeft()) });
    if (res.status !== 200) throw failure(res.status, res.headers['retry-after']);
    let body: { entries?: unknown; next?: unknown };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch (cause) {
      throw new AppError('UPSTREAM_BAD_RESPONSE', `JSON feed ${feed}: the answer is not JSON`, { cause });
    }
    if (!Array.isArray(body.entries)) throw new AppError('UPSTREAM_BAD_RESPONSE', `JSON feed ${feed}: no entries`);
    yield body.entries as FeedEntry[];
    target = typeof body.next === 'string' ? body.next : undefined;
  }
}

export function failure(status: number, retryAfter: string | undefined): AppError {
  const what = `JSON feed answered ${status}`;
  if (status === 429) return new AppError('UPSTREAM_RATE_LIMITED', what, { retryAfter: Math.min(86_400, Number(retryAfter ?? '60') || 60) });
  if (status === 401) return new AppError('UPSTREAM_UNAUTHORIZED', what);
  if (status === 404) return new AppError('SOURCE_NOT_FOUND', what);
  return new AppError(status >= 500 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE', what);
}

export const ticketId = (feed: string, post: string) => `feed:${feed}:${post}`;

/** A post is a ticket and its text the first thread; a reply is a thread of its post's ticket. */
export function unitOf(feed: string, e: FeedEntry): SyncUnit {
  const actor = { extId: `feed-user:${plainText(e.author)}`, name: plainText(e.author) || 'someone' };
  const time = new Date(e.at * 1000).toISOString();
  const parent = ticketId(feed, e.kind === 'post' ? e.id : e.post!);
  const thread = {
    extId: `feed:${feed}:${e.id}:text`,
    extParentId: parent,
    createdTime: time,
    content: sanitiseHtml(e.text),
    contentType: 'text/html' as const,
    direction: 'in' as const,
    canReply: false,
    actor,
  };
  if (e.kind === 'reply') return { tickets: [], threads: [thread] };
  return { tickets: [{ extId: parent, subject: plainText(e.title ?? '') || '(no title)', createdTime: time, actor }], threads: [thread] };
}
