import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { startDeskSimulator, type DeskSimulator, type DeskSimulatorOptions } from '../../sandbox/desk-simulator/index.js';
import { InvokeClient, unwrapInvokeEnvelope } from '../../server/desk/invoke-client.js';
import { startTestServer } from '../helpers/http-test-server.js';

/*
 * The Desk simulator must behave like Desk as documented, whatever our channel server
 * expects. Each throwaway server below (node:http, written here, not our real server)
 * is wrong in one way, and the simulator has to catch it.
 */

const SECRET = 'simulator-secret-0123';
const T = '2026-01-01T00:00:00.000Z';
const actor = { extId: 'u:1', name: 'u' };
const ticket = (n: number) => ({ extId: `t${n}`, subject: `s${n}`, createdTime: T, actor });
const thread = (n: number, parent: string, direction: 'in' | 'out' = 'in') => ({
  extId: `th${n}`,
  extParentId: parent,
  createdTime: T,
  content: 'x',
  contentType: 'text/html',
  direction,
  actor,
});
const batch = (tickets: unknown[], threads: unknown[], channelState?: string) => ({
  ...(channelState === undefined ? {} : { channelState }),
  data: { tickets, threads },
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Answer = (req: Seen, res: http.ServerResponse) => void | Promise<void>;
interface Tiny {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The test server helper (test/helpers/http-test-server.ts), closed after each test. */
async function tinyServer(answer: Answer): Promise<Tiny> {
  const server = await startTestServer(answer);
  const tiny = { url: server.url, seen: server.requests, close: server.close };
  open.push(tiny);
  return tiny;
}

const json =
  (value: unknown, status = 200, type = 'application/json'): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
/** Answers the i-th request with the i-th answer (the last one repeated). */
const inTurn = (...answers: Answer[]): Answer => {
  let i = 0;
  return (req, res) => answers[Math.min(i++, answers.length - 1)]!(req, res);
};

async function sim(o: Partial<DeskSimulatorOptions> & { channelUrl?: string } = {}): Promise<DeskSimulator> {
  const base = o.channelUrl ?? 'http://127.0.0.1:9';
  // The documented shape unless a test asks for the corpus: these tests read exact bodies.
  const s = await startDeskSimulator({
    secret: SECRET,
    channel: { pullUrl: `${base}/pull`, pushUrl: `${base}/push`, callbackUrl: `${base}/cb` },
    shapes: 'documented',
    ...o,
  });
  open.push(s);
  return s;
}
const simAgainst = async (answer: Answer, o: Partial<DeskSimulatorOptions> = {}) => {
  const channel = await tinyServer(answer);
  return { channel, desk: await sim({ channelUrl: channel.url, ...o }) };
};

describe('Desk simulator: pulls, as Desk accepts or refuses them', () => {
  it('refuses a thread sent before its ticket: the whole batch, its other tickets and its channelState', async () => {
    const { desk } = await simAgainst(json(batch([ticket(2)], [thread(1, 't1')], 'new')));
    const out = await desk.pullOnce();
    expect(out.ok).to.equal(false);
    expect(out.rejected.map((r) => r.reason)).to.deep.equal(['orphan_thread']);
    expect(out.rejected[0]!.detail).to.include('t1');
    expect(desk.store.tickets.size + desk.store.threads.size).to.equal(0);
    expect(desk.channelState).to.equal(null);
    expect(desk.store.rejections).to.deep.equal(out.rejected);
  });

  it('accepts a thread whose ticket is in the same answer or an earlier one, and updates rather than creates again', async () => {
    const { desk } = await simAgainst(inTurn(json(batch([ticket(1)], [thread(1, 't1')])), json(batch([ticket(1)], [thread(2, 't1'), thread(1, 't1')]))));
    const first = await desk.pullOnce();
    const second = await desk.pullOnce();
    expect([first.ok, first.created, first.updated]).to.deep.equal([true, 2, 0]);
    expect([second.ok, second.created, second.updated]).to.deep.equal([true, 1, 2]);
    expect([...desk.store.tickets.values()].map((t) => [t.createdCount, t.updateCount, t.firstSeenPull])).to.deep.equal([[1, 1, 1]]);
    expect(desk.store.threads.get('th2')!.firstSeenPull).to.equal(2);
    expect(desk.store.history.filter((h) => h.op === 'create').map((h) => h.extId)).to.deep.equal(['t1', 'th1', 'th2']);
  });

  it('refuses 1001 tickets or 1001 threads in one answer, and honours lower caps', async () => {
    const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
    const tickets = await simAgainst(json(batch(many(1001, ticket), [])));
    const threads = await simAgainst(
      json(
        batch(
          [ticket(0)],
          many(1001, (i) => thread(i, 't0')),
        ),
      ),
    );
    const capped = await simAgainst(json(batch(many(3, ticket), [])), { maxTickets: 2 });
    expect((await tickets.desk.pullOnce()).rejected.map((r) => r.reason)).to.deep.equal(['too_many_tickets']);
    expect((await threads.desk.pullOnce()).rejected.map((r) => r.reason)).to.deep.equal(['too_many_threads']);
    const out = await capped.desk.pullOnce();
    expect([out.tickets, out.rejected.map((r) => r.reason)]).to.deep.equal([3, ['too_many_tickets']]);
    expect(tickets.desk.store.tickets.size + threads.desk.store.threads.size + capped.desk.store.tickets.size).to.equal(0);
  });

  it('refuses schema violations, non-JSON, other content types, non-200 answers and no answer', async () => {
    const dead = await tinyServer(json({}));
    await dead.close();
    const cases: Array<[Answer | string, string]> = [
      [json(batch([{ ...ticket(1), createdTime: 'yesterday' }], [])), 'schema'],
      [json({ channelState: { cursor: 1 }, data: { tickets: [], threads: [] } }), 'schema'],
      [json({ tickets: [ticket(1)] }), 'schema'],
      [json('{"data":'), 'not_json'],
      [json(batch([], []), 200, 'text/plain'), 'content_type'],
      [json(batch([], []), 200, 'application/jsonp'), 'content_type'],
      [json({ code: 'INTERNAL', message: 'no' }, 500), 'http_status'],
      [dead.url, 'http_status'],
    ];
    for (const [answer, reason] of cases) {
      const desk = typeof answer === 'string' ? await sim({ channelUrl: answer }) : (await simAgainst(answer)).desk;
      const out = await desk.pullOnce();
      expect([out.ok, out.rejected.map((r) => r.reason)], String(answer)).to.deep.equal([false, [reason]]);
      if (typeof answer === 'string') expect(out.status).to.equal(0);
      expect(desk.store.tickets.size).to.equal(0);
    }
  });

  it("sends config params and channelState on Desk's URL, keeps channelState when omitted, replaces it when present", async () => {
    const { desk, channel } = await simAgainst(
      inTurn(json(batch([], [], 'one')), json(batch([], [])), json(batch([], [thread(9, 'nowhere')], 'lost')), json(batch([], [], 'two'))),
      { configParams: { repositories: 'a/b' }, securityContext: 'ctx/+=' },
    );
    desk.configParams.labels = 'bug';
    const states: Array<string | null> = [];
    for (let i = 0; i < 4; i++) states.push((await desk.pullOnce()).channelState);
    expect(states).to.deep.equal(['one', 'one', 'one', 'two']);
    expect(desk.channelState).to.equal('two');
    expect(channel.seen.map((r) => JSON.parse(r.body))).to.deep.equal([
      { repositories: 'a/b', labels: 'bug', channelState: null },
      { repositories: 'a/b', labels: 'bug', channelState: 'one' },
      { repositories: 'a/b', labels: 'bug', channelState: 'one' },
      { repositories: 'a/b', labels: 'bug', channelState: 'one' },
    ]);
    expect(channel.seen[0]!.url).to.equal(`/pull?orgId=60012345&securityContext=${encodeURIComponent('ctx/+=')}`);
    expect(channel.seen[0]!.headers['content-type']).to.equal('application/json');
  });

  it("appends Desk's query to a pull URL that already has one", async () => {
    const channel = await tinyServer(json(batch([], [])));
    const desk = await startDeskSimulator({
      secret: SECRET,
      orgId: '42',
      securityContext: 'c',
      channel: { pullUrl: `${channel.url}/desk/pull?key=k`, pushUrl: `${channel.url}/push` },
      shapes: 'documented',
    });
    open.push(desk);
    await desk.pullOnce();
    expect(channel.seen[0]!.url).to.equal('/desk/pull?key=k&orgId=42&securityContext=c');
  });

  it('never runs two pulls at once, scheduled or asked for', async () => {
    let inFlight = 0;
    let most = 0;
    let first = true;
    const { desk } = await simAgainst(async (_req, res) => {
      most = Math.max(most, ++inFlight);
      // The first pull is held until both pulls asked for meanwhile wait behind it: had
      // the simulator sent them, they would be in flight now, beside it.
      if (first) {
        first = false;
        while (desk.pullsWaiting < 2) await new Promise((r) => setImmediate(r));
      }
      inFlight--;
      json(batch([], []))(_req, res);
    });
    const seen: number[] = [];
    const three = new Promise<void>((resolve) => {
      desk.startPulling(1, (o) => {
        seen.push(o.status);
        if (seen.length === 3) resolve();
      });
    });
    expect(() => desk.startPulling(1)).to.throw(/already pulling/);
    const manual = await Promise.all([desk.pullOnce(), desk.pullOnce()]);
    await three;
    await desk.stopPulling();
    expect(manual.every((o) => o.ok)).to.equal(true);
    expect(seen.slice(0, 3)).to.deep.equal([200, 200, 200]);
    expect(most).to.equal(1);
  });
});

describe("Desk simulator: pushing an agent's reply", () => {
  it('sends the reply with config params, stores the returned thread once, and takes a channelState from the answer', async () => {
    const reply = { extId: 'c1', extParentId: 't1', createdTime: T, content: 'hi', contentType: 'text/html', direction: 'out', actor };
    const { desk, channel } = await simAgainst(
      inTurn(json(batch([ticket(1)], [], 's1')), json(reply), json({ ...reply, content: 'hi!', channelState: 's2' })),
      { configParams: { repositories: 'a/b' } },
    );
    await desk.pullOnce();
    const first = await desk.push({ extParentId: 't1', content: '<p>hi</p>', summary: 'hi' });
    const again = await desk.push({ extParentId: 't1', content: '<p>hi</p>', summary: 'hi' });
    expect([first.ok, again.ok]).to.deep.equal([true, true]);
    expect(JSON.parse(channel.seen[1]!.body)).to.deep.equal({
      configParams: { repositories: 'a/b', channelState: 's1' },
      resource: { extParentId: 't1', content: '<p>hi</p>', summary: 'hi' },
    });
    expect(channel.seen[1]!.url).to.match(/^\/push\?orgId=60012345&securityContext=[0-9a-f]+$/);
    const stored = desk.store.threads.get('c1')!;
    expect([stored.object.direction, stored.object.content, stored.createdCount, stored.updateCount]).to.deep.equal(['out', 'hi!', 1, 1]);
    expect([first.channelState, again.channelState, desk.channelState]).to.deep.equal(['s1', 's2', 's2']);
    expect(desk.store.history.filter((h) => h.via === 'push').map((h) => h.op)).to.deep.equal(['create', 'update']);
  });

  it('refuses a malformed answer, and reports a refused reply without calling it a protocol fault', async () => {
    const good = { extId: 'c1', extParentId: 't1', createdTime: T, content: 'hi', contentType: 'text/html', direction: 'out', actor };
    const { desk } = await simAgainst(
      inTurn(json({ ...good, direction: 'in' }), json({ ...good, extParentId: 't9' }), json('<html>'), json({ code: 'ISSUE_LOCKED', message: 'locked' }, 409)),
    );
    const outs = [];
    for (let i = 0; i < 4; i++) outs.push(await desk.push({ extParentId: 't1', content: 'x' }));
    expect(outs.map((o) => [o.ok, o.rejected?.reason])).to.deep.equal([
      [false, 'schema'],
      [false, 'schema'],
      [false, 'not_json'],
      [false, 'http_status'],
    ]);
    expect(outs[3]!.body).to.deep.equal({ code: 'ISSUE_LOCKED', message: 'locked' });
    expect(desk.store.rejections.map((r) => r.reason)).to.deep.equal(['schema', 'schema', 'not_json']);
    expect(desk.store.threads.size).to.equal(0);
  });

  it('will not send a reply Desk could not send', async () => {
    const { desk, channel } = await simAgainst(json({}));
    const err = await desk.push({ extParentId: '', content: 'x' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
    expect(channel.seen).to.have.length(0);
  });
});

describe('Desk simulator: the request shapes of the corpus', () => {
  it("draws pulls and pushes among every shape Desk could send, each one a request Desk's schema allows", async () => {
    const reply = { extId: 'c1', extParentId: 't1', createdTime: T, content: 'hi', contentType: 'text/html', direction: 'out', actor };
    const { desk, channel } = await simAgainst((req, res) => json(req.url.startsWith('/pull') ? batch([ticket(1)], [thread(1, 't1')], 's') : reply)(req, res), {
      configParams: { repositories: 'a/b' },
      shapes: 'corpus',
      shapeSeed: 7,
    });
    const pulls = new Set<string>();
    const pushes = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const pull = await desk.pullOnce();
      expect(pull.ok, JSON.stringify(pull.rejected)).to.equal(true);
      pulls.add(pull.shape!);
      const push = await desk.push({ extParentId: 't1', content: '<p>hi</p>', summary: 'hi' });
      expect(push.ok, String(push.rejected?.detail)).to.equal(true);
      pushes.add(push.shape);
    }
    const { requestShapes } = await import('../../sandbox/desk-simulator/request-shapes.js');
    const drawable = (route: string) =>
      requestShapes()
        .filter((s) => s.route === route && s.simulator)
        .map((s) => s.id)
        .sort();
    expect([...pulls].sort()).to.deep.equal(drawable('pull'));
    expect([...pushes].sort()).to.deep.equal(drawable('push'));
    const bodies = channel.seen.map((r) => JSON.parse(r.body) as unknown);
    // The newest thread of t1 is the reply itself once the first push went through.
    expect(
      bodies.some((b) => Array.isArray(b)),
      'a pull body as {name, value} pairs',
    ).to.equal(true);
    expect(
      bodies.some((b) => (b as { resource?: { replyToExtId?: unknown } }).resource?.replyToExtId === 'c1'),
      'a push replying to a thread of the ticket',
    ).to.equal(true);
    expect(
      channel.seen.some((r) => r.url.includes('installationId=')),
      "query parameters of Desk's own",
    ).to.equal(true);
  });

  it('takes what Desk is known to accept: a thread without contentType, a ticket description, an actor phone, a push answered with an extId only', async () => {
    const loose = { extId: 'th1', extParentId: 't1', createdTime: T, content: 'x', direction: 'in', actor: { ...actor, phone: '+15550100' } };
    const { desk } = await simAgainst(inTurn(json(batch([{ ...ticket(1), description: 'the body' }], [loose])), json({ extId: 98765, canReply: true })));
    expect((await desk.pullOnce()).ok).to.equal(true);
    const push = await desk.push({ extParentId: 't1', content: '<p>hi</p>' });
    expect(push.ok, String(push.rejected?.detail)).to.equal(true);
    expect(desk.store.threads.get('98765')!.object).to.include({ extParentId: 't1', direction: 'out', content: '<p>hi</p>' });
  });
});

describe('Desk simulator: the Invoke API', () => {
  /** A real target that reports what reached it. */
  const target = () =>
    tinyServer((req, res) => {
      res.writeHead(req.url.startsWith('/missing') ? 404 : 201, { 'content-type': 'application/json', etag: 'W/"t"' });
      res.end(
        JSON.stringify({ method: req.method, got: req.url, auth: req.headers.authorization ?? null, accept: req.headers.accept ?? null, body: req.body }),
      );
    });
  const invokeSim = (envelope?: DeskSimulatorOptions['invokeEnvelope']) =>
    sim({ securityContext: 'ctx', connections: { github: { token: 'tok-1' } }, ...(envelope ? { invokeEnvelope: envelope } : {}) });
  /** Signs by hand from §6.2, not with our server's code: fields in order, empty ones out, raw values, hex. */
  const sign = (secret: string, f: Record<string, string>) =>
    createHmac('sha256', secret)
      .update(
        ['requestURL', 'requestType', 'queryParams', 'postBody', 'headers', 'connectionLinkName']
          .filter((k) => f[k])
          .map((k) => `${k}=${f[k]}`)
          .join('&'),
      )
      .digest('hex');
  const invoke = (desk: DeskSimulator, f: Record<string, string>, o: { hash?: string | null; orgId?: string; type?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': o.type ?? 'application/x-www-form-urlencoded' };
    const hash = o.hash === undefined ? sign(SECRET, f) : o.hash;
    if (hash !== null) headers.HASH = hash;
    return fetch(`${desk.url}/api/v1/invoke?orgId=${o.orgId ?? desk.orgId}`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ securityContext: 'ctx', ...f }).toString(),
    });
  };

  it("forwards a correctly signed call to the target with the connection's token, and answers in the nested envelope", async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    const fields = {
      requestURL: `${t.url}/repos/a/b/issues/1/comments`,
      requestType: 'POST',
      queryParams: '{"x":"1"}',
      postBody: '{"body":"hi"}',
      headers: '{"accept":"application/vnd.github+json","authorization":"Bearer forged"}',
      connectionLinkName: 'github',
    };
    const res = await invoke(desk, fields);
    expect([res.status, res.headers.get('content-type')]).to.deep.equal([200, 'application/json']);
    const outer = (await res.json()) as { response: unknown };
    expect(outer.response).to.be.a('string');
    const inner = JSON.parse(outer.response as string) as { statusCode: number; statusMessage: unknown; headers: Record<string, string> };
    expect(Object.keys(inner)).to.deep.equal(['statusCode', 'statusMessage', 'headers']);
    expect(inner.statusCode).to.equal(201);
    expect(inner.statusMessage).to.deep.equal({
      method: 'POST',
      got: '/repos/a/b/issues/1/comments?x=1',
      auth: 'Bearer tok-1',
      accept: 'application/vnd.github+json',
      body: '{"body":"hi"}',
    });
    expect(inner.headers.etag).to.equal('W/"t"');
    expect(desk.invokeLog.map((e) => [e.requestURL, e.requestType, e.connectionLinkName, e.hashOk, e.status, e.targetStatus])).to.deep.equal([
      [`${t.url}/repos/a/b/issues/1/comments`, 'POST', 'github', true, 200, 201],
    ]);
  });

  it('serves our InvokeClient', async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
    const r = await client.call({
      orgId: desk.orgId,
      securityContext: 'ctx',
      requestURL: `${t.url}/repos/a/b`,
      requestType: 'GET',
      queryParams: { page: '2' },
      connectionLinkName: 'github',
    });
    expect([r.status, r.statusKnown, r.headers.etag]).to.deep.equal([201, true, 'W/"t"']);
    expect(JSON.parse(r.body)).to.include({ got: '/repos/a/b?page=2', auth: 'Bearer tok-1' });
  });

  it('refuses a wrong or missing HASH, a wrong orgId and an unknown securityContext, and calls no target', async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    const f = { requestURL: `${t.url}/x`, requestType: 'GET', connectionLinkName: 'github' };
    const answers = await Promise.all([
      invoke(desk, f, { hash: sign('another-secret', f) }),
      invoke(desk, f, { hash: sign(SECRET, { ...f, requestType: 'POST' }) }),
      invoke(desk, f, { hash: null }),
      invoke(desk, f, { orgId: '999' }),
      invoke(desk, { ...f, securityContext: 'stale' }),
    ]);
    const bodies = await Promise.all(answers.map(async (r) => [r.status, ((await r.json()) as { errorCode: string }).errorCode]));
    expect(bodies).to.deep.equal([
      [401, 'INVALID_HASH'],
      [401, 'INVALID_HASH'],
      [401, 'INVALID_HASH'],
      [401, 'INVALID_OAUTH'],
      [401, 'INVALID_OAUTH'],
    ]);
    expect(t.seen).to.have.length(0);
    expect(desk.invokeLog.map((e) => e.status)).to.deep.equal([401, 401, 401, 401, 401]);
    const wrong = new InvokeClient({ deskApiUrl: desk.url, secret: 'another-secret-000000' });
    const e = await wrong.call({ orgId: desk.orgId, securityContext: 'ctx', requestURL: `${t.url}/x`, requestType: 'GET' }).catch((x: unknown) => x);
    expect((e as { code?: string }).code).to.equal('DESK_INVOKE_REFUSED');
  });

  it('shapes the envelope without status, without headers, or with statusMessage as a JSON string', async () => {
    const t = await target();
    const bare = await invokeSim({ includeStatus: false, includeHeaders: false, statusMessageAs: 'string' });
    const f = { requestURL: `${t.url}/missing`, requestType: 'GET' };
    const inner = JSON.parse(((await (await invoke(bare, f)).json()) as { response: string }).response) as Record<string, unknown>;
    expect(Object.keys(inner)).to.deep.equal(['statusMessage']);
    expect(inner.statusMessage).to.be.a('string');
    expect(JSON.parse(inner.statusMessage as string)).to.include({ got: '/missing', auth: null });
    const unwrapped = new InvokeClient({ deskApiUrl: bare.url, secret: SECRET });
    const r = await unwrapped.call({ orgId: bare.orgId, securityContext: 'ctx', requestURL: `${t.url}/missing`, requestType: 'GET' });
    expect([r.status, r.statusKnown, r.headers]).to.deep.equal([200, false, {}]);
    const statusOnly = await invokeSim({ includeHeaders: false });
    const text = await (await invoke(statusOnly, f)).text();
    expect(unwrapInvokeEnvelope(text)).to.deep.include({ status: 404, statusKnown: true, headers: {} });
  });

  it('answers an error envelope for an unknown connection, 502 when the target is unreachable, and substitutes {{installationId}}', async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    const dead = await tinyServer(json({}));
    await dead.close();
    const unknown = await invoke(desk, { requestURL: `${t.url}/x`, requestType: 'GET', connectionLinkName: 'gitlab' });
    const inner = JSON.parse(((await unknown.json()) as { response: string }).response) as { statusCode: number; statusMessage: { errorCode: string } };
    expect([unknown.status, inner.statusCode, inner.statusMessage.errorCode]).to.deep.equal([200, 400, 'INVALID_CONNECTION']);
    const unreachable = await invoke(desk, { requestURL: `${dead.url}/x`, requestType: 'GET' });
    expect([unreachable.status, ((await unreachable.json()) as { errorCode: string }).errorCode]).to.deep.equal([502, 'TARGET_UNREACHABLE']);
    await invoke(desk, { requestURL: `${t.url}/api/v1/channels/{{installationId}}/import`, requestType: 'POST', postBody: '{}' });
    expect(t.seen.map((s) => s.url)).to.deep.equal([`/api/v1/channels/${desk.installationId}/import`]);
  });

  it("keeps secrets in the target's query out of its log", async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    await invoke(desk, { requestURL: `${t.url}/x?access_token=SEKRIT`, requestType: 'GET', queryParams: '{"client_secret":"SEKRIT"}' });
    expect(t.seen[0]!.url).to.equal('/x?access_token=SEKRIT&client_secret=SEKRIT');
    expect(JSON.stringify(desk.invokeLog)).not.to.include('SEKRIT');
  });

  it('refuses bad input to itself clearly', async () => {
    const [t, desk] = await Promise.all([target(), invokeSim()]);
    const ok = { requestURL: `${t.url}/x`, requestType: 'GET' };
    const code = async (r: Response) => [r.status, ((await r.json()) as { errorCode: string }).errorCode];
    expect(await code(await fetch(`${desk.url}/api/v1/invoke?orgId=${desk.orgId}`))).to.deep.equal([405, 'METHOD_NOT_ALLOWED']);
    expect(await code(await fetch(`${desk.url}/api/v1/tickets`, { method: 'POST' }))).to.deep.equal([404, 'URL_NOT_FOUND']);
    expect(await code(await invoke(desk, ok, { type: 'application/json' }))).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const twice = await fetch(`${desk.url}/api/v1/invoke?orgId=${desk.orgId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', HASH: sign(SECRET, ok) },
      body: `securityContext=ctx&requestURL=${encodeURIComponent(ok.requestURL)}&requestType=GET&requestType=POST`,
    });
    expect(await code(twice)).to.deep.equal([400, 'INVALID_DATA']);
    expect(await code(await invoke(desk, { ...ok, requestType: 'FETCH' }))).to.deep.equal([422, 'INVALID_DATA']);
    expect(await code(await invoke(desk, { ...ok, requestURL: 'ftp://example.com/x' }))).to.deep.equal([422, 'INVALID_DATA']);
    expect(await code(await invoke(desk, { ...ok, headers: '{"accept":' }))).to.deep.equal([422, 'INVALID_DATA']);
    expect(await code(await invoke(desk, { ...ok, queryParams: '{"a":{"b":1}}' }))).to.deep.equal([422, 'INVALID_DATA']);
    expect(await code(await invoke(desk, { ...ok, postBody: 'x'.repeat(5 * 1024 * 1024) }))).to.deep.equal([413, 'PAYLOAD_TOO_LARGE']);
    expect(t.seen).to.have.length(0);
  });
});

describe('Desk simulator: lifecycle callbacks', () => {
  it('sends {event, orgId as a number, securityContext} with a HASH anyone holding the secret can verify', async () => {
    const { desk, channel } = await simAgainst(json({ ok: true }), { securityContext: 'ctx-1' });
    const good = await desk.sendCallback('onInstall');
    await desk.sendCallback('onConfigParamAdd', { installationId: '7' }, { badHash: true });
    expect(good).to.deep.equal({ status: 200, body: { ok: true } });
    const [a, b] = channel.seen;
    expect([a!.method, a!.url, a!.headers['content-type']]).to.deep.equal(['POST', '/cb/onInstall', 'application/json']);
    expect(JSON.parse(a!.body)).to.deep.equal({ event: 'onInstall', orgId: 60012345, securityContext: 'ctx-1' });
    expect(a!.headers.hash).to.equal(createHmac('sha256', SECRET).update(a!.body).digest('hex'));
    expect(b!.url).to.equal('/cb/onConfigParamAdd');
    expect(JSON.parse(b!.body)).to.include({ installationId: '7' });
    expect(b!.headers.hash)
      .to.match(/^[0-9a-f]{64}$/)
      .and.not.to.equal(createHmac('sha256', SECRET).update(b!.body).digest('hex'));
  });

  it('will not send a callback Desk could not send, or without a callback URL', async () => {
    const { desk, channel } = await simAgainst(json({}));
    expect(await desk.sendCallback('install').catch((e: unknown) => e)).to.be.instanceOf(TypeError);
    const noUrl = await startDeskSimulator({ secret: SECRET, channel: { pullUrl: `${channel.url}/p`, pushUrl: `${channel.url}/q` } });
    open.push(noUrl);
    expect(String(await noUrl.sendCallback('onInstall').catch((e: unknown) => e))).to.include('callbackUrl');
    expect(channel.seen).to.have.length(0);
  });
});

describe('Desk simulator: its own options', () => {
  it('refuses options Desk could not have, naming the mistake', async () => {
    const channel = { pullUrl: 'http://127.0.0.1:9/p', pushUrl: 'http://127.0.0.1:9/q' };
    const bad: Array<[Partial<DeskSimulatorOptions>, RegExp]> = [
      [{ secret: '' }, /secret/],
      [{ orgId: 'org-1' }, /orgId/],
      [{ channel: { ...channel, pullUrl: '/desk/pull' } }, /pullUrl/],
      [{ configParams: { channelState: 'x' } }, /channelState/],
      [{ maxTickets: -1 }, /maxTickets/],
      [{ connections: { github: { token: '' } } }, /connections\.github/],
    ];
    for (const [o, message] of bad) {
      const err = await startDeskSimulator({ secret: SECRET, channel, ...o }).then(
        (s) => s.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(String(err), JSON.stringify(o)).to.match(message);
    }
  });
});

describe('Desk simulator: the import API (Push-Data to Desk, §5) behind Invoke', () => {
  const importSim = () => sim({ securityContext: 'ctx', connections: { zohodesk: { token: 'desk-tok' }, github: { token: 'gh-tok' } } });
  const importCall = (desk: DeskSimulator, postBody: unknown, o: { connection?: string; orgHeader?: string } = {}) =>
    new InvokeClient({ deskApiUrl: desk.url, secret: SECRET }).call({
      orgId: desk.orgId,
      securityContext: desk.securityContext,
      requestURL: `${desk.url}/api/v1/channels/{{installationId}}/import`,
      requestType: 'POST',
      headers: { orgId: o.orgHeader ?? desk.orgId, 'Content-Type': 'application/json' },
      postBody: JSON.stringify(postBody),
      connectionLinkName: o.connection ?? 'zohodesk',
    });

  it('stores a SYNC object sent through Invoke with the Desk connection, parent first, and counts each call', async () => {
    const desk = await importSim();
    const ok = await importCall(desk, batch([ticket(1)], [thread(1, 't1')]));
    expect(ok.status).to.equal(200);
    expect([desk.store.tickets.has('t1'), desk.store.threads.has('th1')]).to.deep.equal([true, true]);
    expect((await importCall(desk, batch([], [thread(2, 't1')]))).status, 'a thread of a stored ticket').to.equal(200);
    expect(desk.importLog.map((e) => e.status)).to.deep.equal([200, 200]);
  });

  it('refuses an orphan thread, more than 1000 items, a bad SYNC object, another connection or org, and changes nothing', async () => {
    const desk = await importSim();
    const many = Array.from({ length: 1001 }, (_, i) => ticket(i));
    const answers = [
      await importCall(desk, batch([], [thread(1, 'nowhere')])),
      await importCall(desk, batch(many, [])),
      await importCall(desk, { data: { tickets: [{ extId: 'x' }], threads: [] } }),
      await importCall(desk, batch([ticket(1)], []), { connection: 'github' }),
      await importCall(desk, batch([ticket(1)], []), { orgHeader: '999' }),
    ];
    expect(answers.map((a) => a.status)).to.deep.equal([422, 422, 422, 401, 400]);
    expect(desk.store.tickets.size).to.equal(0);
    expect(desk.importLog).to.have.length(5);
  });

  it('refuses the old securityContext once it has rotated', async () => {
    const desk = await importSim();
    const before = desk.securityContext;
    desk.rotateSecurityContext();
    expect(desk.securityContext).to.not.equal(before);
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
    const old = await client
      .call({
        orgId: desk.orgId,
        securityContext: before,
        requestURL: `${desk.url}/api/v1/channels/{{installationId}}/import`,
        requestType: 'POST',
        postBody: '{}',
        connectionLinkName: 'zohodesk',
      })
      .catch((e: { code: string }) => e.code);
    expect(old).to.equal('DESK_CONTEXT_EXPIRED');
  });
});
