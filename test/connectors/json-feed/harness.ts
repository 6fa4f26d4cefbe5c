import { DirectTransport } from '../../../server/transport/direct-transport.js';
import { TestClock } from '../../helpers/clock.js';
import { SENTINEL } from '../../helpers/test-config.js';
import type { Conversation, EngineHarness } from '../../sync/engine-invariants.js';
import type { ChannelHarness } from '../../sync/channel-invariants.js';
import { jsonFeedConnector } from './connector.js';
import { startFakeFeed, type FakeFeed } from './feed-server.js';
import { jsonFeedModule } from './module.js';

/** The JSON feed in the invariant suites (test/sync): the fake feed over real HTTP, one feed. */
const START = Date.parse('2026-06-01T00:00:00Z');

/** A post with `replies` replies on the fake feed `news`. */
function feedConversation(feed: FakeFeed, replies: number): Conversation {
  const post = feed.post('news', 'Hello', '<p>first</p>');
  const rs = Array.from({ length: replies }, (_, i) => feed.reply('news', post, `<p>reply ${i}</p>`));
  return { ticket: `feed:news:${post.id}`, threads: [`feed:news:${post.id}:text`, ...rs.map((r) => `feed:news:${r.id}:text`)] };
}

/** The pull's invariant suite over the fake feed: the connector alone, driven by the engine. */
export async function feedEngineHarness(): Promise<EngineHarness> {
  const clock = new TestClock(START);
  const feed = await startFakeFeed({ now: clock.now, pageSize: 3 });
  const transport = new DirectTransport(feed.url, { authorization: `Bearer ${feed.token}` });
  return {
    clock,
    connector: jsonFeedConnector({ transportFor: () => transport, secret: SENTINEL.secret }),
    params: { feeds: 'news' },
    badParams: { feeds: '' },
    source: 'news',
    converse: async (replies) => feedConversation(feed, replies),
    failNext: (fault) => feed.failNext(fault === 'unavailable' ? { status: 503 } : { status: 429, retryAfter: fault.rateLimitedFor }),
    upstreamRequests: () => feed.requests.length,
    close: () => feed.close(),
  };
}

/** The channel's invariant suite over the fake feed: the connector's module, served by the real server. */
export async function feedChannelHarness(): Promise<ChannelHarness> {
  const clock = new TestClock(START);
  const feed = await startFakeFeed({ now: clock.now, pageSize: 3 });
  feed.post('news', 'Welcome', '<p>the feed exists</p>');
  return {
    module: jsonFeedModule,
    clock,
    upstreamUrl: feed.url,
    connection: { name: 'feed', token: feed.token },
    params: { feeds: 'news' },
    converse: async (replies) => feedConversation(feed, replies),
    deliveries: () => feed.deliveries,
    delivered: () => feed.settled(),
    replyPosts: () => feed.requests.filter((r) => r.method === 'POST' && /^\/feeds\/[a-z0-9-]+\/entries$/.test(r.url)).length,
    repliesUpstream: (ticket, text) => feed.entries('news').filter((e) => `feed:news:${e.post}` === ticket && e.text.includes(text)).length,
    close: () => feed.close(),
  };
}
