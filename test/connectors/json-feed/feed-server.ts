import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startTestServer, type RecordedRequest } from '../../helpers/http-test-server.js';

/**
 * A tiny JSON feed over real HTTP: each feed is an append-only change log. A post or a
 * reply appears at every change with a new sequence number; a reply names its post and
 * the sequence at which that post first appeared. Pages of `limit` entries link the next.
 * Writes: POST /feeds/{feed}/entries adds a reply (an agent's, with its mark), DELETE
 * /feeds/{feed}/entries/{id} removes one. Hooks: POST /feeds/{feed}/hooks {url, secret}
 * (one per URL); every new entry is then POSTed to each hook, signed with
 * `x-feed-signature: <hex HMAC-SHA256 of the body>`, with `x-feed-delivery: <id>`.
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
  /** An agent's reply: the key its poster derived from it (the reply engine's mark). */
  mark?: string;
}

export type FeedFault = { status: number; retryAfter?: number };

export interface FeedDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

export interface FakeFeed {
  url: string;
  token: string;
  post(feed: string, title: string, text: string): FeedEntry;
  reply(feed: string, post: FeedEntry, text: string): FeedEntry;
  /** The entries of a feed as they stand (removed ones left out). */
  entries(feed: string): FeedEntry[];
  /** The next request is answered with this status (and Retry-After, if given). */
  failNext(fault: FeedFault): void;
  requests: RecordedRequest[];
  /** Deliveries sent to hooks, with the status each was answered. */
  deliveries: FeedDelivery[];
  /** Resolves when every delivery sent so far has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeFeed(o: { now: () => number; pageSize?: number }): Promise<FakeFeed> {
  const token = 'feed-token-0f3c';
  const feeds = new Map<string, FeedEntry[]>();
  const hooks = new Map<string, Map<string, string>>();
  const removed = new Set<string>();
  const faults: FeedFault[] = [];
  const deliveries: FeedDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  const live = (feed: string) => (feeds.get(feed) ?? []).filter((e) => !removed.has(`${feed}/${e.id}`));
  const deliver = (feed: string, entry: FeedEntry): void => {
    const post = entry.kind === 'reply' ? (feeds.get(feed) ?? []).find((e) => e.id === entry.post && e.kind === 'post') : undefined;
    for (const [url, secret] of hooks.get(feed) ?? []) {
      const body = JSON.stringify({ feed, entry, ...(post ? { post } : {}) });
      const headers = {
        'content-type': 'application/json',
        'x-feed-delivery': `fd-${entry.seq}-${deliveries.length + 1}`,
        'x-feed-signature': createHmac('sha256', secret).update(body).digest('hex'),
      };
      const d: FeedDelivery = { url, headers, body, status: 0 };
      deliveries.push(d);
      const sent = fetch(url, { method: 'POST', headers, body }).then(
        async (res) => {
          d.status = res.status;
          await res.arrayBuffer();
        },
        () => void (d.status = -1),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
  };
  const append = (feed: string, e: Omit<FeedEntry, 'seq' | 'at'>): FeedEntry => {
    const entry = { ...e, seq: ++seq, at: Math.floor(o.now() / 1000) };
    feeds.set(feed, [...(feeds.get(feed) ?? []), entry]);
    deliver(feed, entry);
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
    const m = /^\/feeds\/([a-z0-9-]+)\/(entries|hooks)(?:\/([a-z0-9]+))?$/.exec(url.pathname);
    const feed = m?.[1];
    const entries = feed ? feeds.get(feed) : undefined;
    if (!m || !feed || !entries) return send(404, { error: 'no such feed' });
    let body: Record<string, unknown> = {};
    try {
      body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    } catch {
      return send(400, { error: 'not JSON' });
    }
    if (m[2] === 'hooks' && req.method === 'POST') {
      if (typeof body.url !== 'string' || typeof body.secret !== 'string') return send(422, { error: 'url and secret' });
      const of = hooks.get(feed) ?? new Map<string, string>();
      of.set(body.url, body.secret);
      hooks.set(feed, of);
      return send(201, { url: body.url });
    }
    if (m[2] === 'entries' && req.method === 'DELETE' && m[3]) {
      removed.add(`${feed}/${m[3]}`);
      return send(204, {});
    }
    if (m[2] === 'entries' && req.method === 'POST') {
      const post = entries.find((e) => e.kind === 'post' && e.id === body.post);
      if (!post || typeof body.text !== 'string' || body.text === '') return send(422, { error: 'a reply names a post and has text' });
      const entry = append(feed, {
        id: `r${seq + 1}`,
        kind: 'reply',
        post: post.id,
        postFirst: post.seq,
        text: body.text,
        author: 'agent',
        ...(typeof body.mark === 'string' ? { mark: body.mark } : {}),
      });
      return send(201, entry);
    }
    if (req.method !== 'GET') return send(405, { error: 'method' });
    const after = Number(url.searchParams.get('after') ?? '0');
    const limit = o.pageSize ?? 5;
    const page = live(feed)
      .filter((e) => e.seq > after)
      .slice(0, limit);
    const last = page.at(-1);
    const more = last !== undefined && live(feed).some((e) => e.seq > last.seq);
    send(200, { entries: page, ...(more ? { next: `${server.url}${url.pathname}?after=${last.seq}` } : {}) });
  };
  return {
    url: server.url,
    token,
    post: (feed, title, text) => append(feed, { id: `p${seq + 1}`, kind: 'post', title, text, author: 'ann' }),
    reply: (feed, post, text) => append(feed, { id: `r${seq + 1}`, kind: 'reply', post: post.id, postFirst: post.seq, text, author: 'bob' }),
    entries: live,
    failNext: (fault) => faults.push(fault),
    requests: server.requests,
    deliveries,
    settled: async () => {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    close: server.close,
  };
}
