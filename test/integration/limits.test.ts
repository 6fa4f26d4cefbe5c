import { expect } from 'chai';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import type { ChannelState } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';
import { buildHistory } from './history.js';

const REPO = 'acme/widgets';
const state = (loop: ChannelLoop): ChannelState => {
  const s = decodeChannelState(loop.desk.channelState).state;
  if (!s) throw new Error('no readable channelState');
  return s;
};

for (const transport of ['direct', 'invoke'] as const) {
  describe(`Rate limits, failures and idle pulls (${transport} transport)`, function () {
    this.timeout(60_000);
    let loop: ChannelLoop;
    afterEach(async () => loop?.close());

    async function seeded(params: Record<string, string> = {}, pull = {}) {
      loop = await startChannelLoop({ transport, configParams: { repositories: REPO, importSince: 'all', ...params }, pull });
      loop.gh.createRepo(REPO);
      buildHistory(loop.gh, loop.clock, REPO, { issues: 40, comments: 150, seed: 5 });
    }

    it('a pull during a rate-limit cool-down returns at once with the cursor unchanged, and the sync resumes after it with nothing lost', async () => {
      await seeded({}, { maxTickets: 20, maxThreads: 40 });
      await loop.desk.pullOnce();
      const before = state(loop).r[REPO]!;
      loop.gh.faults.add({ match: { method: 'GET' }, fault: { kind: 'rateLimit', type: 'primary', retryAfter: 300, status: 429 } });
      loop.clock.advance(10);
      const limited = await loop.desk.pullOnce();
      expect(limited.ok).to.equal(true);
      expect(limited.tickets + limited.threads).to.equal(0);
      const s1 = state(loop).r[REPO]!;
      expect(s1.i).to.deep.equal(before.i);
      expect(s1.c).to.deep.equal(before.c);
      expect(s1.s.err?.c).to.equal('UPSTREAM_RATE_LIMITED');
      expect(s1.s.na, 'x-ratelimit-reset + 1 s').to.equal(Math.floor(loop.clock.ms / 1000) + 301);

      const requestsBefore = loop.gh.requests.length;
      loop.clock.advance(120);
      const cooling = await loop.desk.pullOnce();
      expect(cooling.tickets + cooling.threads).to.equal(0);
      expect(loop.gh.requests.length, 'no GitHub call while cooling down').to.equal(requestsBefore);
      expect(state(loop).r[REPO]!.i).to.deep.equal(before.i);
      expect(state(loop).r[REPO]!.s.err?.k).to.equal(2);

      loop.clock.advance(200);
      await loop.pullUntilQuiet();
      expect(state(loop).r[REPO]!.s.err).to.equal(undefined);
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
    });

    it('backs off a secondary limit without Retry-After for a minute', async () => {
      await seeded();
      loop.gh.faults.add({ match: { method: 'GET' }, fault: { kind: 'rateLimit', type: 'secondary' } });
      loop.clock.advance(10);
      await loop.desk.pullOnce();
      expect(state(loop).r[REPO]!.s.na).to.equal(Math.floor(loop.clock.ms / 1000) + 60);
    });

    it("keeps the comments a pull delivered when its story read fails (GitHub's or Invoke's failure): the next pulls send none again", async () => {
      await seeded({}, { maxTickets: 1000, maxThreads: 1000 });
      loop.gh.faults.add({ match: { method: 'GET', path: /\/issues\/events$/ }, fault: { kind: 'reset' } });
      loop.clock.advance(10);
      const first = await loop.desk.pullOnce();
      expect(first.threads, 'bodies and comments delivered').to.be.greaterThan(40);
      const s = state(loop).r[REPO]!;
      expect(s.s.err?.c).to.equal(transport === 'direct' ? 'UPSTREAM_UNAVAILABLE' : 'DESK_UNAVAILABLE');
      const newest = Math.max(...loop.gh.comments(REPO).map((c) => Date.parse(String(c.updated_at)) / 1000));
      expect((s as RepoCursor).c!.t, 'the comment cursor moved past what the pull delivered').to.be.at.least(newest);
      await loop.pullUntilQuiet();
      expect(loop.desk.store.sends.unchanged).to.equal(0);
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
    });

    it('keeps what it gathered before a failure, records the failure, and loses nothing', async () => {
      await seeded({}, { maxTickets: 1000, maxThreads: 1000 });
      loop.gh.faults.add({ match: { method: 'GET', path: /\/issues\/comments$/ }, fault: { kind: 'status', status: 502 } });
      loop.clock.advance(10);
      const first = await loop.desk.pullOnce();
      expect(first.tickets).to.be.greaterThan(0);
      expect(state(loop).r[REPO]!.s.err?.c).to.equal('UPSTREAM_UNAVAILABLE');
      for (const kind of ['truncate', 'reset'] as const) {
        loop.gh.faults.add({ match: { method: 'GET', path: /\/issues\/comments$/ }, fault: { kind } });
        loop.clock.advance(10);
        await loop.desk.pullOnce();
        expect(state(loop).r[REPO]!.s.err?.c, kind).to.be.oneOf(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'DESK_UNAVAILABLE']);
      }
      await loop.pullUntilQuiet();
      expect(state(loop).r[REPO]!.s.err).to.equal(undefined);
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
    });

    it('stays within the time budget when GitHub stops answering', async () => {
      await seeded({}, { timeBudgetMs: 500 });
      loop.gh.faults.add({ match: { method: 'GET' }, fault: { kind: 'timeout' } });
      loop.clock.advance(10);
      // How long it takes is the bench's; that each request ends with the pull is
      // test/github/request-timeout.test.ts. Here: it returns, and nothing is lost.
      const out = await loop.desk.pullOnce();
      expect(out.ok).to.equal(true);
      await loop.pullUntilQuiet();
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
    });

    it('names each GitHub failure for the widget, and one failing repository does not stall another', async () => {
      loop = await startChannelLoop({ transport, configParams: { repositories: 'acme/gone, acme/closed, acme/widgets', importSince: 'all' } });
      loop.gh.createRepo(REPO);
      loop.gh.createRepo('acme/closed', { hasIssues: false });
      loop.gh.createIssue(REPO, { title: 'Fine' });
      loop.clock.advance(10);
      await loop.desk.pullOnce();
      const r = state(loop).r;
      expect(r['acme/gone']!.s.err?.c).to.equal('SOURCE_NOT_FOUND');
      expect(r['acme/closed']!.s.err?.c).to.equal('SOURCE_DISABLED');
      expect(r[REPO]!.s.err).to.equal(undefined);
      expect(loop.desk.store.tickets.has(`${REPO}:1`)).to.equal(true);

      loop.gh.faults.add({
        match: { method: 'GET' },
        fault: { kind: 'status', status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } },
        times: 10,
      });
      loop.clock.advance(10);
      await loop.desk.pullOnce();
      expect(state(loop).r[REPO]!.s.err?.c).to.equal('UPSTREAM_UNAUTHORIZED');
    });

    it('records CONFIG_INVALID for the widget instead of failing the pull', async () => {
      loop = await startChannelLoop({ transport, configParams: { repositories: 'not a repo!' } });
      const out = await loop.desk.pullOnce();
      expect(out.ok).to.equal(true);
      expect(state(loop).err?.c).to.equal('CONFIG_INVALID');
    });

    it('starts over from importSince on an unreadable channelState, says so in the log, and loses nothing', async () => {
      await seeded();
      await loop.pullUntilQuiet();
      loop.desk.channelState = '{"v":1,"cursor":"garbage';
      const again = await loop.pullUntilQuiet();
      expect(again[0]!.updated, 'items Desk has are re-sent as updates').to.be.greaterThan(0);
      expect(loop.log.text).to.include('channelState unreadable: starting over from importSince');
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
    });

    it('an idle pull spends no rate limit where GitHub answers 304', async function () {
      await seeded();
      await loop.pullUntilQuiet();
      const used = loop.gh.rateLimitState(SENTINEL.token).used;
      const requestsBefore = loop.gh.requests.length;
      loop.clock.advance(240);
      const idle = await loop.desk.pullOnce();
      expect(idle.tickets + idle.threads).to.equal(0);
      const made = loop.gh.requests.slice(requestsBefore);
      expect(made.map((r) => [r.method, r.path, r.status])).to.deep.equal([
        ['GET', `/repos/${REPO}/issues`, 304],
        ['GET', `/repos/${REPO}/issues/comments`, 304],
        ['GET', `/repos/${REPO}/issues/events`, 304],
      ]);
      expect(made.every((r) => r.ifNoneMatch)).to.equal(true);
      expect(loop.gh.rateLimitState(SENTINEL.token).used).to.equal(used);
    });
  });
}
