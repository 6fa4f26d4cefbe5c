import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { deliveryHeaders } from '../../sandbox/fake-github/hooks.js';

const REPO = 'acme/widgets';

/** Never older over newer: an older version of an item never replaces a newer one Desk was sent. */
describe('Deliveries delayed, replayed or reordered around imports and pulls', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  async function setUp() {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, windowMs: 1 });
    loop.gh.createRepo(REPO);
    const issue = loop.gh.createIssue(REPO, { title: 'x' });
    const comment = loop.gh.createComment(REPO, issue.number, { body: 'original' });
    loop.clock.advance(30);
    await loop.pullUntilQuiet();
    loop.gh.hooks.drop = true;
    return { issue: issue.number, comment: comment.id };
  }
  /** The payload GitHub sends for the comment as it stands now. */
  const edited = (issue: number, comment: number) =>
    JSON.stringify(loop.gh.hooks.payload({ repo: REPO, event: 'issue_comment', action: 'edited', issue, comment, sender: { login: 'octocat', id: 1 } }));
  const deliver = async (body: string) => {
    const hook = loop.gh.hooks.hooks.get(REPO)![0]!;
    const headers = deliveryHeaders({ id: hook.id, secret: hook.secret }, { id: crypto.randomUUID(), event: 'issue_comment' }, body);
    const res = await fetch(hook.url, { method: 'POST', headers, body });
    return res.status;
  };
  const shown = (comment: number) => loop.desk.store.threads.get(`${REPO}:c${comment}`)?.object.content ?? '';

  it('an older edit delivered while the newer one is being imported stays out', async () => {
    const { issue, comment } = await setUp();
    loop.gh.editComment(REPO, comment, 'first edit');
    const old = edited(issue, comment);
    loop.clock.advance(5);
    loop.gh.editComment(REPO, comment, 'second edit');
    const newer = edited(issue, comment);
    let release!: () => void;
    loop.desk.importGate = new Promise<void>((r) => (release = r));
    expect(await deliver(newer)).to.equal(202);
    // The newer import is in flight: Desk holds it.
    for (const end = Date.now() + 5000; loop.desk.importsHeld === 0; await new Promise((r) => setImmediate(r)))
      if (Date.now() > end) throw new Error('the newer import never reached Desk');
    expect(await deliver(old)).to.equal(202);
    release();
    loop.desk.importGate = undefined;
    await loop.settle();
    expect(shown(comment)).to.include('second edit');
  });

  it('a delayed or replayed older delivery arriving after the pull brought the newer version changes nothing', async () => {
    const { issue, comment } = await setUp();
    loop.gh.editComment(REPO, comment, 'first edit');
    const old = edited(issue, comment);
    loop.clock.advance(5);
    loop.gh.editComment(REPO, comment, 'second edit');
    loop.clock.advance(30);
    await loop.pullUntilQuiet();
    expect(shown(comment)).to.include('second edit');
    const imports = loop.desk.importLog.length;
    expect(await deliver(old)).to.equal(202);
    await loop.settle();
    expect(shown(comment)).to.include('second edit');
    expect(loop.desk.importLog.length, 'no import call for it: no API credit spent').to.equal(imports);
  });

  it('a pull that read the older version before a newer import left answers with the newer one', async () => {
    const { issue, comment } = await setUp();
    loop.gh.editComment(REPO, comment, 'first edit');
    loop.clock.advance(30);
    // The pull reads the comments ("first edit") and its answer is held on the way back.
    let release!: () => void;
    let read!: () => void;
    const wasRead = new Promise<void>((r) => (read = r));
    loop.gh.faults.add({
      match: { method: 'GET', path: `/repos/${REPO}/issues/comments` },
      fault: { kind: 'gate', answerFirst: true, release: new Promise<void>((r) => (release = r)), arrived: read },
    });
    const pulling = loop.pull();
    await wasRead;
    // Meanwhile the comment is edited again, delivered and imported.
    loop.clock.advance(5);
    loop.gh.editComment(REPO, comment, 'second edit');
    expect(await deliver(edited(issue, comment))).to.equal(202);
    await loop.settle();
    expect(shown(comment)).to.include('second edit');
    // The pull's answer, read before the import, lands after it.
    release();
    const out = await pulling;
    expect(out.ok).to.equal(true);
    await loop.settle();
    expect(shown(comment), 'the newer version is in Desk last').to.include('second edit');
    // And Desk was never handed the older one: the pull's answer carried the newer copy.
    const versions = loop.desk.store.history.filter((h) => h.extId === `${REPO}:c${comment}`).map((h) => h.version);
    expect(versions, 'no version went back').to.deep.equal([...versions].sort((a, b) => a - b));
  });
});
