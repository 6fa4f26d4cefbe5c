import { createHmac } from 'node:crypto';
import { AppError } from '../../../server/errors.js';
import { plainText } from '../../../server/desk/sanitise.js';
import { escapeHtml } from '../../../server/escalation/template.js';
import type { DeskCall, ReplyResource } from '../../../server/desk/normalise.js';
import type { ReplyConnector } from '../../../server/replies/engine.js';
import type { Transport } from '../../../server/transport/transport.js';
import { failure, readSettings, type FeedSettings } from './connector.js';
import type { FeedEntry } from './feed-server.js';

/** The mark an agent's reply carries: derived from the installation, the post and the text, so a retry has the same. */
export function replyMark(secret: string, orgId: string, feed: string, post: string, text: string): string {
  return createHmac('sha256', secret).update(`feed-reply\n${orgId}\n${feed}\n${post}\n${text}`).digest('hex').slice(0, 32);
}

/** One of this installation's replies (never imported back as a customer's message). */
export function isOwnReply(secret: string, orgId: string, feed: string, e: FeedEntry): boolean {
  return e.kind === 'reply' && typeof e.mark === 'string' && e.mark === replyMark(secret, orgId, feed, e.post ?? '', e.text);
}

/** Agents' replies as the feed's reply entries, through the reply engine (server/replies). */
export function feedReplies(o: { secret: string; transportFor: (query: DeskCall) => Transport }): ReplyConnector<FeedSettings, FeedEntry> {
  return {
    readSettings,
    plan: async (resource, { query, settings }) => {
      const text = plainText(resource.content ?? '').trim();
      if (!text) throw new AppError('REPLY_EMPTY', 'the reply has no text');
      const transport = o.transportFor(query);
      const call = async (method: 'GET' | 'POST' | 'DELETE', target: string, body?: unknown) => {
        const res = await transport.send({
          method,
          target,
          headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          timeoutMs: 10_000,
        });
        if (res.status >= 300) throw failure(res.status, res.headers['retry-after']);
        return res.body ? (JSON.parse(res.body) as unknown) : undefined;
      };
      const entriesOf = async (feed: string): Promise<FeedEntry[]> => {
        const all: FeedEntry[] = [];
        let next: string | undefined = `/feeds/${feed}/entries?after=0`;
        for (let pages = 0; next && pages < 1000; pages++) {
          const page = (await call('GET', next)) as { entries?: FeedEntry[]; next?: string };
          all.push(...(page.entries ?? []));
          next = page.next;
        }
        return all;
      };
      const { feed, post } = await target(resource, settings, entriesOf);
      const key = replyMark(o.secret, query.orgId, feed, post, text);
      return {
        key,
        place: {
          find: async () => (await entriesOf(feed)).filter((e) => e.kind === 'reply' && e.mark === key).sort((a, b) => a.seq - b.seq),
          post: async () => (await call('POST', `/feeds/${feed}/entries`, { post, text, mark: key })) as FeedEntry,
          remove: async (e) => void (await call('DELETE', `/feeds/${feed}/entries/${e.id}`)),
          same: (a, b) => a.id === b.id,
          what: 'reply',
        },
        thread: (e) => ({
          extId: `feed:${feed}:${e.id}:text`,
          extParentId: `feed:${feed}:${post}`,
          createdTime: new Date(e.at * 1000).toISOString(),
          content: `<p>${escapeHtml(e.text)}</p>`,
          contentType: 'text/html',
          direction: 'out',
          canReply: true,
          actor: { extId: 'feed-user:agent', name: 'agent' },
        }),
        undescribed: () => new AppError('UPSTREAM_BAD_RESPONSE', 'the feed took the reply but did not describe it'),
      };
    },
  };
}

/**
 * The post a reply goes to. Desk names it by extParentId (the ticket) or only by
 * replyToExtId (the ticket, or a thread of it): any of our extIds of a feed in the
 * settings; a reply's thread is looked up for its post.
 */
async function target(
  resource: ReplyResource,
  settings: FeedSettings,
  entriesOf: (feed: string) => Promise<FeedEntry[]>,
): Promise<{ feed: string; post: string }> {
  for (const extId of [resource.extParentId, resource.replyToExtId]) {
    const m = /^feed:([a-z0-9-]{1,40}):([pr]\d{1,12})(?::text)?$/.exec(extId ?? '');
    if (!m || !settings.feeds.includes(m[1]!)) continue;
    const [, feed, id] = m as unknown as [string, string, string];
    if (id.startsWith('p')) return { feed, post: id };
    const post = (await entriesOf(feed)).find((e) => e.id === id)?.post;
    if (post) return { feed, post };
  }
  throw new AppError('REPLY_TARGET_INVALID', 'the reply names no post of these feeds');
}
