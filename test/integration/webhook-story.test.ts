import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { SENTINEL } from '../helpers/test-config.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';

const REPO = 'acme/widgets';

/** Story threads (`<repo>:e<eventId>`) in the Desk store, of one ticket. */
const storyOf = (loop: WebhookLoop, ticket: string) =>
  [...loop.desk.store.threads.values()].map((t) => t.object).filter((t) => t.extParentId === ticket && /:e\d+$/.test(t.extId));
const eventReads = (loop: WebhookLoop, n: number) => loop.gh.requests.filter((r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues/${n}/events`);

describe('Webhooks: the story threads of an issues delivery', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  it('a close reaches Desk through the import as the story thread the pull would send, and the next pull updates it, never duplicates it', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    const issue = loop.gh.createIssue(REPO, { title: 'Crash on save', labels: ['bug'] });
    await loop.pullUntilQuiet();
    const ticket = `${REPO}:${issue.number}`;
    expect(storyOf(loop, ticket), 'the first pull starts the story now').to.have.length(0);

    loop.clock.advance(5);
    loop.gh.editIssue(REPO, issue.number, { state: 'closed', stateReason: 'completed' });
    const imports = loop.desk.importLog.length;
    await loop.settle();
    const close = loop.gh.events(REPO).at(-1)!;
    expect(close.event).to.equal('closed');
    const story = storyOf(loop, ticket);
    expect(story.map((t) => t.extId)).to.deep.equal([`${REPO}:e${close.id}`]);
    expect(story[0]).to.include({ direction: 'out', canReply: false });
    expect(story[0]!.content).to.include('Closed as completed by @octocat');
    const imported = loop.desk.importLog.slice(imports);
    expect(
      imported.map((e) => [e.status, e.tickets, e.threads]),
      'ticket and story thread in one import',
    ).to.deep.equal([[200, 1, 1]]);
    expect(loop.desk.store.tickets.get(ticket)!.object.extra!.value as Record<string, unknown>, 'the card says closed').to.include({
      state: 'closed',
      reason: 'completed',
    });
    expect(eventReads(loop, issue.number), "the issue's events read once").to.have.length(1);

    // A label added and removed: each delivery tells its own event; retelling the close is an update.
    loop.clock.advance(5);
    loop.gh.editIssue(REPO, issue.number, { labels: ['bug', 'wontfix'] });
    await loop.settle();
    expect(
      storyOf(loop, ticket)
        .map((t) => t.content)
        .join('\n'),
    ).to.include('Label “wontfix” added by @octocat');

    const story2 = storyOf(loop, ticket)
      .map((t) => t.extId)
      .sort();
    await loop.pullUntilQuiet();
    expect(
      storyOf(loop, ticket)
        .map((t) => t.extId)
        .sort(),
      'the pull tells the same events under the same extIds',
    ).to.deep.equal(story2);
    for (const extId of story2) {
      const h = loop.desk.store.history.filter((e) => e.extId === extId);
      expect(
        h.filter((e) => e.op === 'create'),
        `${extId} created once`,
      ).to.have.length(1);
      expect(h.filter((e) => e.op === 'update').length, `${extId}: the pull re-sent it as an update`).to.be.at.least(1);
    }
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO] });
  });

  it('story_threads = no: a close re-sends the ticket only and GitHub is not asked for events; turning it on reseals the hook', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO, story_threads: 'no' } });
    loop.gh.createRepo(REPO);
    const issue = loop.gh.createIssue(REPO, { title: 'Crash on save' });
    await loop.pullUntilQuiet();
    loop.clock.advance(5);
    loop.gh.editIssue(REPO, issue.number, { state: 'closed', stateReason: 'not_planned' });
    const imports = loop.desk.importLog.length;
    await loop.settle();
    expect(loop.desk.importLog.slice(imports).map((e) => [e.status, e.tickets, e.threads])).to.deep.equal([[200, 1, 0]]);
    expect(storyOf(loop, `${REPO}:${issue.number}`)).to.have.length(0);
    expect(eventReads(loop, issue.number)).to.have.length(0);
    await loop.pullUntilQuiet();
    expect(storyOf(loop, `${REPO}:${issue.number}`)).to.have.length(0);

    // The opt-out is sealed in the hook URL: turning the story on repairs the hook (one PATCH), then a reopen tells its thread.
    const patches = () => loop.gh.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/hooks/')).length;
    const before = patches();
    loop.desk.configParams.story_threads = 'yes';
    await loop.pullUntilQuiet();
    expect(patches() - before).to.equal(1);
    loop.clock.advance(5);
    loop.gh.editIssue(REPO, issue.number, { state: 'open' });
    await loop.settle();
    const reopen = loop.gh.events(REPO).at(-1)!;
    expect(storyOf(loop, `${REPO}:${issue.number}`).map((t) => t.extId)).to.deep.equal([`${REPO}:e${reopen.id}`]);
  });

  it('an events read that fails still imports the ticket, logs once with its code, and the next pull tells the story', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    const issue = loop.gh.createIssue(REPO, { title: 'Crash on save' });
    await loop.pullUntilQuiet();
    loop.gh.faults.add({ match: { method: 'GET', path: `/repos/${REPO}/issues/${issue.number}/events` }, fault: { kind: 'status', status: 502 } });
    loop.clock.advance(5);
    loop.gh.editIssue(REPO, issue.number, { state: 'closed' });
    const imports = loop.desk.importLog.length;
    await loop.settle();
    expect(loop.desk.importLog.slice(imports).map((e) => [e.status, e.tickets, e.threads])).to.deep.equal([[200, 1, 0]]);
    expect(loop.log.text.split('\n').filter((l) => l.includes('story threads of the delivery not read'))).to.have.length(1);
    await loop.pullUntilQuiet();
    const close = loop.gh.events(REPO).at(-1)!;
    expect(storyOf(loop, `${REPO}:${issue.number}`).map((t) => t.extId)).to.deep.equal([`${REPO}:e${close.id}`]);
  });
});

describe('Webhooks: story reads shared and bounded per installation', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  it('20 label deliveries at once cost at most 2 events reads in flight; the rest are left to the pull, which tells every story', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    const issues = Array.from({ length: 20 }, (_, i) => loop.gh.createIssue(REPO, { title: `issue ${i}` }).number);
    await loop.pullUntilQuiet();
    loop.clock.advance(5);
    // The deliveries are captured, then sent all at once (as GitHub's do, from many workers).
    loop.gh.hooks.drop = true;
    for (const n of issues) loop.gh.editIssue(REPO, n, { labels: ['bug'] });
    const deliveries = loop.gh.hooks.deliveries.slice(-20);
    const readsBefore = loop.gh.requests.filter((r) => /\/events$/.test(r.path)).length;
    // GitHub's events reads are held until released: what is in flight at once can be counted.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = 0;
    loop.gh.faults.add({ match: { method: 'GET', path: /\/issues\/\d+\/events$/ }, fault: { kind: 'gate', release: released, arrived: () => void held++ } });
    let answered = 0;
    let eighteen!: () => void;
    const eighteenAnswered = new Promise<void>((r) => (eighteen = r));
    const sent = deliveries.map((d) =>
      fetch(d.url, { method: 'POST', headers: d.headers, body: d.body }).then(async (r) => {
        await r.arrayBuffer();
        if (++answered === 18) eighteen();
        return r.status;
      }),
    );
    try {
      // A signal, not a poll: the 18th answer (the two held at the gate cannot answer yet).
      await eighteenAnswered;
      expect(answered, 'the deliveries whose story is left to the pull are answered at once').to.be.at.least(18);
      // Two reads admitted; the transport may send them one after the other (one token, calls never a crowd).
      expect(held, 'events reads in flight for one installation').to.be.within(1, 2);
    } finally {
      release();
      loop.gh.faults.clear();
    }
    expect(await Promise.all(sent)).to.deep.equal(deliveries.map(() => 202));
    await loop.settle();
    const metrics = await (await fetch(`${loop.server.url}/metrics`)).text();
    const count = (outcome: string) => Number(new RegExp(`^webhook_story_reads_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('read') + count('shared') + count('skipped'), 'every delivery counted once').to.equal(20);
    expect(count('skipped'), 'left to the pull while the share was taken').to.be.at.least(10);
    expect(loop.gh.requests.filter((r) => /\/events$/.test(r.path)).length - readsBefore, 'events requests: one per read made').to.equal(count('read'));
    for (const n of issues) expect(loop.desk.store.tickets.has(`${REPO}:${n}`), 'every ticket still goes').to.equal(true);
    await loop.pullUntilQuiet();
    for (const n of issues)
      expect(
        storyOf(loop, `${REPO}:${n}`)
          .map((t) => t.content)
          .join(''),
        `issue ${n}`,
      ).to.include('Label “bug” added');
  });
});
