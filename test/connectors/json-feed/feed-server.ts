import type { ServerResponse } from 'node:http';
import { startTestServer, type RecordedRequest } from '../../helpers/http-test-server.js';

/**
 * A tiny JSON feed over real HTTP: each feed is an append-only change log. A post or a
 * reply appears at every change with a new sequence number; a reply names its post and
 * the sequence at which that post first appeared. Pages of `limit` entries link the next.
 */
export interface FeedEntry {
  seq: number;
  id: string;
  kind: 'post' | 'reply';
  /** For a reply: the post it answers, and the seq of that post's first entry. */
  post?: string;
  postFirst?: number;
  title?: string;
  text: string;
  author: string;
  /** Epoch seconds of the change. */
  at: number;
}

export type FeedFault = { status: number; retryAfter?: number };

export interface FakeFeed {
  url: string;
  token: string;
  post(feed: string, title: string, text: string): FeedEntry;
  reply(feed: string, post: FeedEntry, text: string): FeedEntry;
  /** The next request is answered with this status (and Retry-After, if given). */
  failNext(fault: FeedFault): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeFeed(o: { now: () => number; pageSize?: number }): Promise<FakeFeed> {
  const token = 'feed-token-0f3c';
  const feeds = new Map<string, FeedEntry[]>();
  const faults: FeedFault[] = [];
  let seq = 0;
  const append = (feed: string, e: Omit<FeedEntry, 'seq' | 'at'>): FeedEntry => {
    const entry = { ...e, seq: ++seq, at: Math.floor(o.now() / 1000) };
    feeds.set(feed, [...(feeds.get(feed) ?? []), entry]);
    return entry;
  };
  const server = await startTestServer((req, res) => answer(req, res));
  const answer = (req: RecordedRequest, res: ServerResponse): void => {
    const fault = faults.shift();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (fault) return send(fault.status, { error: 'injected' }, fault.retryAfter ? { 'retry-after': String(fault.retryAfter) } : {});
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorised' });
    const url = new URL(req.url, 'http://feed');
    const m = /^\/feeds\/([a-z0-9-]+)\/entries$/.exec(url.pathname);
    const entries = m ? feeds.get(m[1]!) : undefined;
    if (!m || !entries) return send(404, { error: 'no such feed' });
    const after = Number(url.searchParams.get('after') ?? '0');
    const limit = o.pageSize ?? 5;
    const page = entries.filter((e) => e.seq > after).slice(0, limit);
    const last = page.at(-1);
    const more = last !== undefined && entries.some((e) => e.seq > last.seq);
    send(200, { entries: page, ...(more ? { next: `${server.url}${url.pathname}?after=${last.seq}` } : {}) });
  };
  return {
    url: server.url,
    token,
    post: (feed, title, text) => append(feed, { id: `p${seq + 1}`, kind: 'post', title, text, author: 'ann' }),
    reply: (feed, post, text) => append(feed, { id: `r${seq + 1}`, kind: 'reply', post: post.id, postFirst: post.seq, text, author: 'bob' }),
    failNext: (fault) => faults.push(fault),
    requests: server.requests,
    close: server.close,
  };
}
