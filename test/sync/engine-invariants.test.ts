import { startFakeGitHub } from '../../sandbox/fake-github/index.js';
import { gitHubConnector } from '../../server/connectors/github/github-channel.js';
import { directHeaders } from '../../server/connectors/github/api.js';
import { bodyThreadExtId, commentThreadExtId, ticketExtId } from '../../server/connectors/github/ext-ids.js';
import { DirectTransport } from '../../server/transport/direct-transport.js';
import { jsonFeedConnector } from '../connectors/json-feed/connector.js';
import { startFakeFeed } from '../connectors/json-feed/feed-server.js';
import { TestClock } from '../helpers/clock.js';
import { SENTINEL, testConfig } from '../helpers/test-config.js';
import { engineInvariants } from './engine-invariants.js';

const START = Date.parse('2026-06-01T00:00:00Z');

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
    converse: async (replies) => {
      const issue = gh.createIssue(repo, { title: 'It breaks', body: 'Steps to reproduce' });
      const comments = Array.from({ length: replies }, (_, i) => gh.createComment(repo, issue.number, { body: `reply ${i}` }));
      return {
        ticket: ticketExtId(repo, issue.number),
        threads: [bodyThreadExtId(repo, issue.number), ...comments.map((c) => commentThreadExtId(repo, c.id))],
      };
    },
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
    connector: jsonFeedConnector(transport),
    params: { feeds: 'news' },
    badParams: { feeds: '' },
    source: 'news',
    converse: async (replies) => {
      const post = feed.post('news', 'Hello', '<p>first</p>');
      const rs = Array.from({ length: replies }, (_, i) => feed.reply('news', post, `<p>reply ${i}</p>`));
      return { ticket: `feed:news:${post.id}`, threads: [`feed:news:${post.id}:text`, ...rs.map((r) => `feed:news:${r.id}:text`)] };
    },
    failNext: (fault) => feed.failNext(fault === 'unavailable' ? { status: 503 } : { status: 429, retryAfter: fault.rateLimitedFor }),
    upstreamRequests: () => feed.requests.length,
    close: () => feed.close(),
  };
});
