import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { gitHubConnector } from '../../server/connectors/github/github-channel.js';
import { directHeaders } from '../../server/connectors/github/api.js';
import { bodyThreadExtId, commentThreadExtId, ticketExtId } from '../../server/connectors/github/ext-ids.js';
import { DirectTransport } from '../../server/transport/direct-transport.js';
import { jsonFeedConnector } from '../connectors/json-feed/connector.js';
import { startFakeFeed, type FakeFeed } from '../connectors/json-feed/feed-server.js';
import { TestClock } from '../helpers/clock.js';
import { SENTINEL, testConfig } from '../helpers/test-config.js';
import { engineInvariants, type Conversation } from './engine-invariants.js';
import { channelInvariants } from './channel-invariants.js';
import { gitHubModule } from '../../server/connectors/github/index.js';
import { jsonFeedModule } from '../connectors/json-feed/module.js';

const START = Date.parse('2026-06-01T00:00:00Z');

/** An issue with `replies` comments on the fake GitHub, by the extIds Desk must end up with. */
function gitHubConversation(gh: FakeGitHub, repo: string, replies: number): Conversation {
  const issue = gh.createIssue(repo, { title: 'It breaks', body: 'Steps to reproduce' });
  const comments = Array.from({ length: replies }, (_, i) => gh.createComment(repo, issue.number, { body: `reply ${i}` }));
  return {
    ticket: ticketExtId(repo, issue.number),
    threads: [bodyThreadExtId(repo, issue.number), ...comments.map((c) => commentThreadExtId(repo, c.id))],
  };
}

/** A post with `replies` replies on the fake feed `news`. */
function feedConversation(feed: FakeFeed, replies: number): Conversation {
  const post = feed.post('news', 'Hello', '<p>first</p>');
  const rs = Array.from({ length: replies }, (_, i) => feed.reply('news', post, `<p>reply ${i}</p>`));
  return { ticket: `feed:news:${post.id}`, threads: [`feed:news:${post.id}:text`, ...rs.map((r) => `feed:news:${r.id}:text`)] };
}

engineInvariants('GitHub', async () => {
  const clock = new TestClock(START);
  const gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
  const repo = 'acme/widgets';
  gh.createRepo(repo);
  const transport = new DirectTransport(gh.url, directHeaders(SENTINEL.token));
  return {
    clock,
    connector: gitHubConnector({ config: testConfig(), transportFor: () => transport }, clock.now),
    params: { repositories: repo, import_since: 'all' },
    badParams: { repositories: 'not an owner/repo!' },
    source: repo,
    converse: async (replies) => gitHubConversation(gh, repo, replies),
    failNext: (fault) =>
      gh.faults.add({
        fault: fault === 'unavailable' ? { kind: 'status', status: 503 } : { kind: 'rateLimit', type: 'secondary', retryAfter: fault.rateLimitedFor },
      }),
    upstreamRequests: () => gh.requests.length,
    close: () => gh.close(),
  };
});

engineInvariants('JSON feed (test-only)', async () => {
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
});

// The channel's invariants (deliveries and replies) run each connector's module through the real server.
channelInvariants('GitHub', async () => {
  const clock = new TestClock(START);
  const gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
  const repo = 'acme/widgets';
  gh.createRepo(repo);
  return {
    module: gitHubModule,
    clock,
    upstreamUrl: gh.url,
    connection: { name: 'github', token: SENTINEL.token },
    params: { repositories: repo, import_since: 'all' },
    converse: async (replies) => gitHubConversation(gh, repo, replies),
    deliveries: () => gh.hooks.deliveries,
    delivered: () => gh.hooks.settled(),
    repliesUpstream: (ticket, text) => gh.comments(repo).filter((c) => c.issue_url.endsWith(`/issues/${ticket.split(':')[1]}`) && c.body.includes(text)).length,
    close: () => gh.close(),
  };
});

channelInvariants('JSON feed (test-only)', async () => {
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
    repliesUpstream: (ticket, text) => feed.entries('news').filter((e) => `feed:news:${e.post}` === ticket && e.text.includes(text)).length,
    close: () => feed.close(),
  };
});
