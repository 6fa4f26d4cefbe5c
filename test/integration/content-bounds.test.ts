import { expect } from 'chai';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { MAX_CONTENT_CHARS, TOO_LONG_NOTICE, sanitiseHtml, withinCap } from '../../server/desk/sanitise.js';

const REPO = 'acme/widgets';

/** One body can never stick an installation: whatever sanitising makes of it, Desk takes it. */
describe("Every field sent to Desk within Desk's caps", function () {
  this.timeout(60_000);
  let loop: ChannelLoop;
  afterEach(async () => loop?.close());

  it('300 KB of bare & (1.5 M characters once escaped) reaches Desk cut to its cap, with a notice, and the pull goes on', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, import_since: 'all' } });
    loop.gh.createRepo(REPO);
    const big = loop.gh.createIssue(REPO, { title: 'ampersands', body: '&'.repeat(300_000) });
    const after = loop.gh.createIssue(REPO, { title: 'the next one' });
    loop.clock.advance(60);
    const outcomes = await loop.pullUntilQuiet();
    expect(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes.map((o) => o.rejected ?? o.status)),
    ).to.equal(true);
    const body = loop.desk.store.threads.get(`${REPO}:${big.number}:body`)?.object.content ?? '';
    expect(body.length).to.be.within(1, MAX_CONTENT_CHARS);
    expect(body).to.match(/\((truncated|This content is longer)/);
    expect(loop.desk.store.tickets.has(`${REPO}:${after.number}`), 'the installation is not stuck').to.equal(true);
  });

  it('cuts where no tag or entity is open, and what is left is still allow-listed HTML', () => {
    const html = '<p>' + '<b>bold &amp; more</b> '.repeat(60_000) + '</p>';
    const safe = sanitiseHtml(html);
    expect(safe.length).to.be.at.most(MAX_CONTENT_CHARS);
    expect(safe.endsWith(TOO_LONG_NOTICE)).to.equal(true);
    expect(safe).not.to.match(/<[^>]*$|&[a-z]*$/);
    expect(withinCap('<p>short</p>')).to.equal('<p>short</p>');
    const cut = withinCap(`<p>${'x'.repeat(200)}</p>`, 150);
    expect(cut.length).to.be.at.most(150);
  });
});
