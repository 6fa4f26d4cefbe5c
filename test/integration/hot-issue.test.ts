import { expect } from 'chai';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';

const REPO = 'acme/widgets';

/**
 * An issue written to within the settle window of every pull (a busy issue, or
 * activity every 50 ms) is never settled in the issue listing, while its older
 * comments are: a comment must then bring its ticket, never name one Desk lacks.
 */
describe('Parent first on an issue that is written to at every pull', function () {
  this.timeout(60_000);
  let loop: ChannelLoop;
  afterEach(async () => loop?.close());

  for (const transport of ['direct', 'invoke'] as const) {
    it(`sends a settled comment with its ticket while the issue itself is still unsettled (${transport})`, async () => {
      loop = await startChannelLoop({ transport, configParams: { repositories: REPO, importSince: 'all' } });
      loop.gh.createRepo(REPO);
      // Issue and first comment in the same second.
      const issue = loop.gh.createIssue(REPO, { title: 'Hot', body: 'b' });
      loop.gh.createComment(REPO, issue.number, { body: 'first' });
      for (let p = 0; p < 6; p++) {
        loop.clock.advance(10);
        // A write just before the pull keeps the issue's updated_at past the settle horizon.
        if (p % 2 === 0) loop.gh.createComment(REPO, issue.number, { body: `again ${p}` });
        else loop.gh.editIssue(REPO, issue.number, { labels: p % 4 === 1 ? ['bug'] : [] });
        const out = await loop.desk.pullOnce();
        expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
      }
      // Not stuck: the first comment and its ticket are in Desk although the issue never settled.
      expect(loop.desk.store.tickets.has(`${REPO}:${issue.number}`)).to.equal(true);
      const first = loop.gh.comments(REPO)[0]!;
      expect(loop.desk.store.threads.has(`${REPO}:c${first.id}`)).to.equal(true);
      await loop.pullUntilQuiet();
      await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
      expect(loop.desk.store.rejections).to.deep.equal([]);
    });
  }

  it('proves settled issues sent without a GET each, and reads only the unsettled one', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    const issues = Array.from({ length: 5 }, (_, i) => loop.gh.createIssue(REPO, { title: `t${i}`, body: 'b' }));
    const comments = issues.map((i) => loop.gh.createComment(REPO, i.number, { body: 'first' }));
    await loop.pullUntilQuiet();
    // An edit does not move its issue's updated_at: the comment stream alone sees it, and
    // for the settled issues the shortcut (no issue GET) still applies.
    for (const c of comments) loop.gh.editComment(REPO, c.id, 'edited');
    loop.clock.advance(10);
    loop.gh.createComment(REPO, issues[0]!.number, { body: 'hot' });
    const before = loop.gh.requests.length;
    const out = await loop.desk.pullOnce();
    expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
    const singleIssueGets = loop.gh.requests.slice(before).filter((r) => /\/issues\/\d+$/.test(r.path));
    // Only the unsettled issue is read one by one; the four settled ones are proven sent.
    expect(singleIssueGets.map((r) => r.path)).to.deep.equal([`/repos/${REPO}/issues/${issues[0]!.number}`]);
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
  });
});
