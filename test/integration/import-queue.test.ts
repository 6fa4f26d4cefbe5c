import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { deliveryHeaders } from '../../sandbox/fake-github/hooks.js';

const REPO = 'acme/widgets';

/**
 * With Desk's import hanging, deliveries wait in a bounded queue: past the bound they
 * are answered 503 and dropped (the pull brings their items), never buffered without
 * limit; and copies of one delivery import once however many arrive at once.
 */
describe('The import queue under a flood with Desk hanging', function () {
  this.timeout(60_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  const deliverOpened = async (issue: number, id: string = crypto.randomUUID()) => {
    const hook = loop.gh.hooks.hooks.get(REPO)![0]!;
    const body = JSON.stringify(loop.gh.hooks.payload({ repo: REPO, event: 'issues', action: 'opened', issue, sender: { login: 'octocat', id: 1 } }));
    const res = await fetch(hook.url, { method: 'POST', headers: deliveryHeaders({ id: hook.id, secret: hook.secret }, { id, event: 'issues' }, body), body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('holds at most its bound, answers the rest 503 DELIVERY_OVERLOAD, and the pull brings every dropped item', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, windowMs: 1, queue: { maxItems: 4, maxBatchesPerLane: 2, maxBatches: 4 } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    loop.gh.hooks.drop = true;
    let release!: () => void;
    loop.desk.importGate = new Promise<void>((r) => (release = r));
    const issues = Array.from({ length: 40 }, (_, i) => loop.gh.createIssue(REPO, { title: `flood ${i}` }).number);
    const answers = [];
    for (const n of issues) answers.push(await deliverOpened(n));
    const accepted = answers.filter((a) => a.status === 202).length;
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length, 'some were dropped').to.be.greaterThan(0);
    expect(refused.every((a) => a.body.code === 'DELIVERY_OVERLOAD')).to.equal(true);
    expect(accepted + refused.length).to.equal(40);
    // One import in flight and two waiting batches, each of 4 tickets and 4 threads (4 deliveries): 12 at most.
    expect(accepted).to.be.at.most(12);
    expect(loop.server.webhooks!.coalescer.waiting).to.be.at.most(2);
    const metrics = await (await fetch(`${loop.server.url}/metrics`)).text();
    expect(metrics).to.match(/http_errors_total\{code="DELIVERY_OVERLOAD"\} [1-9]/);

    release();
    loop.desk.importGate = undefined;
    await loop.settle();
    loop.clock.advance(30);
    await loop.pullUntilQuiet();
    for (const n of issues) expect(loop.desk.store.tickets.has(`${REPO}:${n}`), `issue ${n}`).to.equal(true);
  });

  it('keeps every import call within the Invoke body bound, counting the form encoding, not the JSON', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, windowMs: 50 });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    loop.gh.hooks.drop = true;
    // Bodies of JSON's own punctuation: each character takes three bytes once form-encoded.
    const body = '"{}":[],'.repeat(7_000);
    const issues = Array.from({ length: 60 }, (_, i) => loop.gh.createIssue(REPO, { title: `big ${i}`, body }).number);
    // Desk holds the first import while the rest arrive: they wait together, as in a burst.
    let release!: () => void;
    loop.desk.importGate = new Promise<void>((r) => (release = r));
    const answers: Array<{ status: number }> = [];
    for (const n of issues) answers.push(await deliverOpened(n));
    // Past the queue's bound a delivery is dropped (503): the pull brings those.
    expect(answers.map((a) => a.status).filter((st) => st !== 202 && st !== 503)).to.deep.equal([]);
    release();
    loop.desk.importGate = undefined;
    await loop.settle();
    expect(
      loop.desk.invokeLog.filter((e) => e.status === 413),
      'no Invoke call over the bound',
    ).to.deep.equal([]);
    expect(loop.desk.importLog.every((e) => e.status === 200)).to.equal(true);
    expect(loop.desk.importLog.length, 'the burst still coalesced').to.be.below(40);
    issues.forEach((n, i) => answers[i]!.status === 202 && expect(loop.desk.store.tickets.has(`${REPO}:${n}`), `issue ${n}`).to.equal(true));
  });

  it('imports one delivery once when 30 copies of it arrive at once', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, windowMs: 1 });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    loop.gh.hooks.drop = true;
    const issue = loop.gh.createIssue(REPO, { title: 'once' }).number;
    const imports = loop.desk.importLog.length;
    const id = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 30 }, () => deliverOpened(issue, id)));
    await loop.settle();
    expect(answers.filter((a) => a.status === 202)).to.have.length(1);
    expect(answers.filter((a) => a.status === 200 && a.body.duplicate === true)).to.have.length(29);
    expect(loop.desk.importLog.length - imports, 'one import call').to.equal(1);
  });
});
