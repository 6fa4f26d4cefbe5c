import { startFakeGitHub, type FakeGitHub } from '../../../sandbox/fake-github/index.js';
import { gitHubConnector } from '../../../server/connectors/github/github-channel.js';
import { directHeaders } from '../../../server/connectors/github/api.js';
import { bodyThreadExtId, commentThreadExtId, ticketExtId } from '../../../server/connectors/github/ext-ids.js';
import { gitHubModule } from '../../../server/connectors/github/index.js';
import { DirectTransport } from '../../../server/transport/direct-transport.js';
import { TestClock } from '../../helpers/clock.js';
import { SENTINEL, testConfig } from '../../helpers/test-config.js';
import type { Conversation, EngineHarness } from '../../sync/engine-invariants.js';
import type { ChannelHarness } from '../../sync/channel-invariants.js';

/** GitHub in the invariant suites (test/sync): the fake GitHub over real HTTP, one repository. */
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

/** The pull's invariant suite over the fake GitHub: the connector alone, driven by the engine. */
export async function gitHubEngineHarness(): Promise<EngineHarness> {
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
}

/** The channel's invariant suite over the fake GitHub: the connector's module, served by the real server. */
export async function gitHubChannelHarness(): Promise<ChannelHarness> {
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
    replyPosts: () => gh.requests.filter((r) => r.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(r.path)).length,
    repliesUpstream: (ticket, text) => gh.comments(repo).filter((c) => c.issue_url.endsWith(`/issues/${ticket.split(':')[1]}`) && c.body.includes(text)).length,
    close: () => gh.close(),
  };
}
