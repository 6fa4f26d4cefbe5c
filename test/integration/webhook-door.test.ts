import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { rawRequest, signedDelivery } from '../helpers/raw-request.js';
import { hookKeys, hookSecret } from '../../server/connectors/github/webhooks/seal.js';
import { SENTINEL } from '../helpers/test-config.js';

const REPO = 'acme/widgets';

/**
 * The webhook door over real sockets: everything the headers give away is refused
 * before a byte of the body is read, a slow body is cut at its deadline, and only so
 * many deliveries are received at once.
 */
describe('The webhook door', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  let path: string;
  let secret: string;
  let port: number;
  /** GitHub's headers for `body`; `extra` replaces any of them. */
  const good = (body: string, extra: Record<string, string> = {}): Record<string, string> => signedDelivery(body, secret, extra);

  beforeEach(async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, door: { bodyDeadlineMs: 300, maxInFlight: 6, maxInFlightPerClient: 4 } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    const hook = loop.gh.hooks.hooks.get(REPO)![0]!;
    const url = new URL(hook.url);
    path = url.pathname;
    port = Number(url.port);
    secret = hookSecret(hookKeys(SENTINEL.secret), path.split('/')[3]!);
  });
  afterEach(async () => loop?.close());

  it('refuses an oversized declared length, a wrong type and a missing signature from the headers alone, and cuts the connection', async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [good('{}', { 'content-length': String(600 * 1024) }), 413],
      [good('{}', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100000' }), 415],
      [{ 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'x', 'content-length': '100000' }, 401],
    ];
    for (const [headers, status] of cases) {
      const r = rawRequest(port, path, headers);
      // No body is sent: the answer comes from the headers.
      await r.answered;
      expect(r.status(), r.answer()).to.equal(status);
      await r.closed;
    }
  });

  it('cuts a body that trickles in past its deadline, and imports nothing', async () => {
    const imports = loop.desk.importLog.length;
    const body = JSON.stringify(
      loop.gh.hooks.payload({
        repo: REPO,
        event: 'issues',
        action: 'opened',
        issue: loop.gh.createIssue(REPO, { title: 'x' }).number,
        sender: { login: 'o', id: 1 },
      }),
    );
    await loop.settle();
    const before = loop.desk.importLog.length;
    const r = rawRequest(port, path, good(body));
    await r.send(body.slice(0, 10));
    await r.closed;
    // The door's own answer names its deadline: cut by it, not by the server-wide request timeout.
    expect(r.status(), r.answer()).to.equal(408);
    expect(r.answer()).to.include("the delivery's body did not arrive within 300 ms");
    expect(loop.desk.importLog.length).to.equal(before);
    expect(imports).to.be.at.most(before);
  });

  it('admits so many deliveries at once per client; the next is answered 503 at once, and a place frees when one ends', async () => {
    const body = '{"zen":"x"}';
    const held = Array.from({ length: 4 }, () => rawRequest(port, path, good(body)));
    await loop.server.webhooks!.whenDeliveriesInFlight(4);
    const refused = rawRequest(port, path, good(body));
    await refused.answered;
    expect(refused.status(), refused.answer()).to.equal(503);
    expect(refused.answer()).to.include('DELIVERY_OVERLOAD');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await loop.server.webhooks!.whenDeliveriesInFlight(0);
    const after = rawRequest(port, path, good(body));
    await after.send(body);
    await after.answered;
    expect(after.status(), 'a place is free again (a ping-less delivery of no known repository)').to.not.equal(503);
    after.socket.destroy();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/DELIVERY_OVERLOAD/);
  });

  it('verifies a signed delivery sent in many small chunks, and imports it', async () => {
    loop.gh.hooks.drop = true;
    const issue = loop.gh.createIssue(REPO, { title: 'Chunked' });
    const body = JSON.stringify(loop.gh.hooks.payload({ repo: REPO, event: 'issues', action: 'opened', issue: issue.number, sender: { login: 'o', id: 1 } }));
    const r = rawRequest(port, path, good(body));
    for (let i = 0; i < body.length; i += 97) await r.send(body.slice(i, i + 97));
    await r.answered;
    expect(r.status(), r.answer()).to.equal(202);
    r.socket.destroy();
    await loop.settle();
    expect(loop.desk.store.tickets.has(`${REPO}:${issue.number}`)).to.equal(true);
  });
});
