import { expect } from 'chai';
import fc from 'fast-check';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import { decodeRepoName, encodeRepoName, STORAGE_NAME } from '../../server/connectors/github/storage-name.js';
import { queriableValueOf } from '../../server/connectors/github/issue-extra.js';
import { REPO_PATTERN } from '../../server/connectors/github/contract.js';
import type { SyncThread } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';
import { validIssueExtra } from '../../server/connectors/github/issue-extra.js';

const REPO = 'acme/widgets.js_v-2';

describe("Repository names in Desk's storage alphabet", () => {
  it('round-trip through the encoding, and every encoding is in the alphabet', () => {
    for (const name of ['acme/widgets', 'a-b/c.d_e', 'x/__', 'x/_h', 'o/-.-_', 'acme/widgets.js_v-2']) {
      const enc = encodeRepoName(name);
      expect(enc).to.match(/^[A-Za-z0-9_:]+$/);
      expect(decodeRepoName(enc), name).to.equal(name);
    }
    const repoArb = fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,38}$/), fc.stringMatching(/^[a-z0-9._-]{1,100}$/))
      .map(([o, r]) => `${o}/${r}`)
      .filter((r) => REPO_PATTERN.test(r));
    fc.assert(
      fc.property(repoArb, (name) => decodeRepoName(encodeRepoName(name)) === name),
      { numRuns: 500 },
    );
  });
  it('refuses strings no repository encodes to', () => {
    for (const bad of ['acme', 'a:b:c', 'a_x:b', 'a:b_', 'a/b', '']) expect(decodeRepoName(bad), bad).to.equal(undefined);
  });
  it('gives a queriable value of at most 50 allowed characters, hashed when the name is long', () => {
    expect(queriableValueOf('acme/widgets', 42)).to.equal('gh:acme:widgets:42');
    const long = `${'o'.repeat(39)}/${'r'.repeat(100)}`;
    const q = queriableValueOf(long, 123456);
    expect(q)
      .to.match(STORAGE_NAME)
      .and.match(/^gh:h[0-9a-f]{24}:123456$/);
    expect(queriableValueOf(long, 1)).to.not.equal(queriableValueOf(`${'o'.repeat(39)}/${'r'.repeat(99)}`, 1));
  });
});

describe("The issue on the ticket and the issue's story", function () {
  this.timeout(120_000);
  let loop: ChannelLoop;
  afterEach(async () => loop?.close());

  const storyThreads = () => [...loop.desk.store.threads.values()].map((t) => t.object).filter((t) => /:e\d+$/.test(t.extId));
  const storyOf = (extParentId: string): SyncThread[] => storyThreads().filter((t) => t.extParentId === extParentId);

  it("stores the issue's state, labels, assignees and counts as the ticket's extra, within Desk's limits", async () => {
    loop = await startChannelLoop({ transport: 'invoke', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, {
      title: 'Crash on save',
      labels: ['bug', 'ünïcødé'.repeat(6), ...Array.from({ length: 60 }, (_, i) => `label-${'x'.repeat(40)}-${i}`)],
      assignees: ['octocat'],
      milestone: 'v2.0',
      plusOne: 7,
    });
    await loop.pullUntilQuiet();
    const ticket = loop.desk.store.tickets.get(`${REPO}:1`)!.object;
    expect(ticket.extra!.key).to.equal('{{ticket.id}}_github_issue');
    expect(ticket.extra!.queriableValue).to.equal('gh:acme:widgets_djs__v_h2:1');
    const stored = loop.desk.store.database.get(`${loop.desk.store.deskIdOf(`${REPO}:1`)}_github_issue`)!;
    const v = stored.value as Record<string, unknown>;
    expect(v).to.include({ v: 1, repo: REPO, number: 1, state: 'open', milestone: 'v2.0', plusOne: 7, locked: false, comments: 0 });
    expect(v.assignees).to.deep.equal(['octocat']);
    expect((v.labels as Array<{ name: string; color: string }>)[0]).to.have.property('name', 'bug');
    expect((v.labels as unknown[]).length).to.equal(30);
    expect(Buffer.byteLength(JSON.stringify(v))).to.be.at.most(5000);
    expect(validIssueExtra(v), JSON.stringify(validIssueExtra.errors)).to.equal(true);
    expect(v.cut, 'labels beyond 30 left out').to.equal(true);
    expect(loop.desk.store.rejections).to.deep.equal([]);
  });

  it('keeps a value of multi-byte labels under 5,000 bytes, never splitting a character', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: '🐛'.repeat(400), labels: Array.from({ length: 30 }, (_, i) => `${i}${'界'.repeat(60)}`) });
    await loop.pullUntilQuiet();
    const v = loop.desk.store.database.get(`${loop.desk.store.deskIdOf(`${REPO}:1`)}_github_issue`)!.value as {
      title: string;
      labels: Array<{ name: string }>;
      cut?: true;
    };
    expect(Buffer.byteLength(JSON.stringify(v))).to.be.at.most(5000);
    expect(v.cut).to.equal(true);
    expect(v.labels.length).to.be.within(1, 29);
    for (const s of [v.title, ...v.labels.map((l) => l.name)])
      expect(s, 'no lone surrogate').to.match(/^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/);
    expect(validIssueExtra(v)).to.equal(true);
  });

  it('tells each close, reopen, label and assignment on GitHub as a short thread from our side that nobody replies to', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: 'Crash on save' });
    loop.gh.editIssue(REPO, 1, { labels: ['old'] }); // before the first pull: not told
    await loop.pullUntilQuiet();
    expect(storyThreads()).to.deep.equal([]);

    loop.gh.editIssue(REPO, 1, { state: 'closed', stateReason: 'not_planned' });
    loop.gh.editIssue(REPO, 1, { state: 'open' }, { login: 'hubot', id: 42 });
    loop.gh.editIssue(REPO, 1, { labels: ['old', '<img src=x onerror=alert(1)>'], assignees: ['octocat'] });
    loop.gh.editIssue(REPO, 1, { state: 'closed', stateReason: 'completed' });
    await loop.pullUntilQuiet();
    const story = storyOf(`${REPO}:1`).sort((a, b) => Number(a.extId.split(':e')[1]) - Number(b.extId.split(':e')[1]));
    expect(story.map((t) => t.content)).to.deep.equal([
      '<p><em>Closed as not planned by @octocat</em></p>',
      '<p><em>Reopened by @hubot</em></p>',
      '<p><em>Label “&#60;img src=x onerror=alert(1)&#62;” added by @octocat</em></p>',
      '<p><em>Assigned to @octocat by @octocat</em></p>',
      '<p><em>Closed as completed by @octocat</em></p>',
    ]);
    for (const t of story) expect(t).to.include({ direction: 'out', canReply: false, contentType: 'text/html' });
    const extra = loop.desk.store.tickets.get(`${REPO}:1`)!.object.extra!.value as Record<string, unknown>;
    expect(extra).to.include({ state: 'closed', reason: 'completed' });
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
  });

  it('reads a long gap of events across several pulls and loses none, with new events arriving in between', async () => {
    loop = await startChannelLoop({
      transport: 'direct',
      configParams: { repositories: REPO, importSince: 'all' },
      pull: { maxThreads: 120, maxTickets: 120 },
    });
    loop.gh.createRepo(REPO);
    for (let i = 0; i < 5; i++) loop.gh.createIssue(REPO, { title: `Issue ${i}` });
    await loop.pullUntilQuiet();
    const before = (decodeChannelState(loop.desk.channelState).state!.r[REPO] as RepoCursor).ev!.h;
    // 1,250 events between two pulls: 13 pages, more than one pull's page cap and thread cap.
    for (let k = 0; k < 625; k++) {
      loop.gh.editIssue(REPO, 1 + (k % 5), { labels: k % 2 ? [] : [`l${k % 7}`] });
      loop.gh.editIssue(REPO, 1 + (k % 5), { labels: [] });
      if (k % 50 === 0) loop.clock.advance(1);
    }
    let pulls = 0;
    const states: string[] = [];
    for (; pulls < 40; pulls++) {
      loop.clock.advance(10);
      const out = await loop.desk.pullOnce();
      expect(out.ok).to.equal(true);
      states.push(loop.desk.channelState!);
      if (pulls === 2) loop.gh.editIssue(REPO, 2, { state: 'closed' }); // arrives mid-scan
      if (out.threads === 0 && pulls > 3) break;
    }
    expect(pulls, 'the gap took several pulls').to.be.greaterThan(3);
    expect(
      states.some((s) => (decodeChannelState(s).state!.r[REPO] as RepoCursor).ev!.t !== undefined),
      'a scan was resumed',
    ).to.equal(true);
    for (const s of states) expect(Buffer.byteLength(s)).to.be.at.most(4096);
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storySince: before });
    expect(storyOf(`${REPO}:2`).some((t) => t.content.includes('Closed by @octocat') || t.content.includes('Closed as completed by @octocat'))).to.equal(true);
  });

  it("brings an event's ticket along when the issue was updated again past the listing (a thread never arrives before its ticket)", async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: 'First' });
    await loop.pullUntilQuiet();
    loop.gh.createIssue(REPO, { title: 'Second' });
    loop.gh.editIssue(REPO, 2, { labels: ['bug'] });
    loop.clock.advance(10);
    loop.gh.editIssue(REPO, 2, { title: 'Second, renamed' }); // inside the settle horizon: the listing leaves it
    const out = await loop.desk.pullOnce();
    expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
    expect(storyOf(`${REPO}:2`).map((t) => t.content)).to.deep.equal(['<p><em>Label “bug” added by @octocat</em></p>']);
    expect(loop.desk.store.tickets.get(`${REPO}:2`)!.object.subject).to.equal('Second, renamed');
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
  });

  it('tells an event a failed read left for the next pull without its ticket again, when the listing proves Desk has it', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: 'First' });
    await loop.pullUntilQuiet();
    loop.gh.editIssue(REPO, 1, { labels: ['bug'] });
    loop.gh.faults.add({ match: { method: 'GET', path: /\/issues\/events$/ }, fault: { kind: 'status', status: 502 } });
    const failed = await loop.pull();
    expect(failed.tickets, 'the listing sends the labelled issue (changed)').to.equal(1);
    expect(storyOf(`${REPO}:1`)).to.deep.equal([]);
    const told = await loop.pull();
    expect(told.ok, JSON.stringify(told.rejected)).to.equal(true);
    expect([told.tickets, told.threads], 'the label thread alone').to.deep.equal([0, 1]);
    expect(storyOf(`${REPO}:1`).map((t) => t.content)).to.deep.equal(['<p><em>Label “bug” added by @octocat</em></p>']);
    expect(loop.desk.store.sends.unchanged, 'nothing sent again unchanged').to.equal(0);
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
  });

  it('tells nothing, and reads no events, when the installation opts out with story_threads = no', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all', story_threads: 'no' } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: 'Crash on save' });
    await loop.pullUntilQuiet();
    loop.gh.editIssue(REPO, 1, { state: 'closed' });
    await loop.pullUntilQuiet();
    expect(storyThreads()).to.deep.equal([]);
    expect(loop.gh.requests.filter((r) => r.path.endsWith('/events'))).to.deep.equal([]);
    expect((decodeChannelState(loop.desk.channelState).state!.r[REPO] as RepoCursor).ev).to.equal(undefined);
  });

  it('reads the repositories the picker selected along with the typed ones', async () => {
    loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: '', selected_repositories: `${REPO},acme/docs`, importSince: 'all' } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo('acme/docs');
    loop.gh.createIssue('acme/docs', { title: 'Typo' });
    await loop.pullUntilQuiet();
    expect([...loop.desk.store.tickets.keys()]).to.deep.equal(['acme/docs:1']);
    expect(Object.keys(decodeChannelState(loop.desk.channelState).state!.r).sort()).to.deep.equal(['acme/docs', REPO]);
  });
});
