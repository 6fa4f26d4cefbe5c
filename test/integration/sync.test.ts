import { expect } from 'chai';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import { buildHistory, churn } from './history.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';

const REPOS = ['acme/widgets', 'acme/docs'];

for (const transport of ['direct', 'invoke'] as const) {
  describe(`A pull never loses an item (${transport} transport)`, function () {
    this.timeout(120_000);
    let loop: ChannelLoop;
    afterEach(async () => loop?.close());

    it('mirrors hundreds of issues and thousands of comments, with equal times, edits during the sync and pull requests mixed in', async () => {
      loop = await startChannelLoop({
        transport,
        configParams: { repositories: REPOS.join(', '), importSince: 'all' },
        pull: { maxTickets: 120, maxThreads: 300 },
      });
      for (const [i, repo] of REPOS.entries()) {
        loop.gh.createRepo(repo);
        buildHistory(loop.gh, loop.clock, repo, { issues: transport === 'direct' ? 300 : 120, comments: transport === 'direct' ? 1500 : 500, seed: 7 + i });
      }
      // Pull a few times, change things between pulls, and pull on until quiet.
      for (let round = 0; round < 4; round++) {
        loop.clock.advance(10);
        const out = await loop.desk.pullOnce();
        expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
        for (const [i, repo] of REPOS.entries()) churn(loop.gh, loop.clock, repo, 100 * round + i, 40);
      }
      await loop.pullUntilQuiet();

      const totals = await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: REPOS });
      expect(totals.threads).to.be.greaterThan(transport === 'direct' ? 2000 : 600);
      for (const out of loop.outcomes) {
        expect(out.tickets).to.be.at.most(120);
        expect(out.threads).to.be.at.most(300);
      }
      // channelState stays small and readable.
      expect(Buffer.byteLength(loop.desk.channelState ?? '')).to.be.at.most(4096);
      expect(decodeChannelState(loop.desk.channelState).state).to.not.equal(null);
      for (const secret of Object.values(SENTINEL)) {
        expect(loop.log.text).not.to.include(secret);
        expect(loop.desk.channelState ?? '').not.to.include(secret);
      }
    });

    it('applies the labels filter and leaves pull requests out, moving past what it drops', async () => {
      loop = await startChannelLoop({ transport, configParams: { repositories: 'acme/widgets', labels: 'bug', importSince: 'all' } });
      loop.gh.createRepo('acme/widgets');
      buildHistory(loop.gh, loop.clock, 'acme/widgets', { issues: 80, comments: 300, seed: 3 });
      await loop.pullUntilQuiet();
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: ['acme/widgets'], labels: ['bug'] });
      churn(loop.gh, loop.clock, 'acme/widgets', 11, 60); // labels come and go
      await loop.pullUntilQuiet();
      // Every issue that carries the label now is in Desk with all its comments, also
      // those written before it gained the label; issues that lost it stay as they were.
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: ['acme/widgets'], labels: ['bug'], allowExtra: true });
    });
  });
}

describe('A labelled backlog larger than one pull (known limit)', function () {
  this.timeout(60_000);
  it("brings the issue with its newest earlier comments that fit one pull's thread cap", async () => {
    const loop = await startChannelLoop({
      transport: 'direct',
      configParams: { repositories: 'acme/widgets', labels: 'bug', importSince: 'all' },
      pull: { maxThreads: 10 },
    });
    try {
      loop.gh.createRepo('acme/widgets');
      const n = loop.gh.createIssue('acme/widgets', { title: 'Long story' }).number;
      const ids = Array.from({ length: 20 }, (_, i) => {
        loop.clock.advance(1);
        return loop.gh.createComment('acme/widgets', n, { body: `comment ${i}` }).id;
      });
      await loop.pullUntilQuiet(); // the issue lacks the label: nothing comes
      expect(loop.desk.store.tickets.size).to.equal(0);
      loop.gh.editIssue('acme/widgets', n, { labels: ['bug'] });
      await loop.pullUntilQuiet();
      expect(loop.desk.store.tickets.has(`acme/widgets:${n}`)).to.equal(true);
      const comments = [...loop.desk.store.threads.keys()].filter((k) => k.includes(':c')).sort();
      expect(comments).to.deep.equal(
        ids
          .slice(-9)
          .map((id) => `acme/widgets:c${id}`)
          .sort(),
      );
    } finally {
      await loop.close();
    }
  });
});
