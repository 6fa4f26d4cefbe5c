import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { startDeskSimulator, type DeskSimulator } from '../../server/sandbox/desk-simulator/index.js';
import { InvokeClient } from '../../server/desk/invoke-client.js';
import { AppError } from '../../server/errors.js';
import { startTestServer, type RecordedRequest } from '../helpers/http-test-server.js';
import type http from 'node:http';

const SECRET = 'simulator-secret-0123';
const T = '2026-01-01T00:00:00.000Z';
const actor = { extId: 'u:1', name: 'u' };
const ticket = (n: number) => ({ extId: `t${n}`, subject: `s${n}`, createdTime: T, actor });
const thread = (n: number, parent: string) => ({ extId: `th${n}`, extParentId: parent, createdTime: T, content: 'x', contentType: 'text/html', direction: 'in', actor });

type Answer = (req: RecordedRequest, res: http.ServerResponse) => void;
const jsonAnswer = (value: unknown, status = 200): Answer => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
};

/**
 * The simulator must catch a broken channel server. These throwaway servers are
 * deliberately wrong in one way each.
 */
describe('Desk simulator catches what Desk would refuse', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function simAgainst(answer: Answer, o: { configParams?: Record<string, string> } = {}): Promise<{ sim: DeskSimulator; channel: Awaited<ReturnType<typeof startTestServer>> }> {
    const channel = await startTestServer(answer);
    const sim = await startDeskSimulator({ secret: SECRET, channel: { pullUrl: `${channel.url}/pull?key=k`, pushUrl: `${channel.url}/push`, callbackUrl: `${channel.url}/cb` }, ...o });
    open.push(sim, channel);
    return { sim, channel };
  }

  it('refuses a thread sent before its ticket, whole batch and channelState included', async () => {
    const { sim } = await simAgainst(jsonAnswer({ channelState: 'new', data: { tickets: [], threads: [thread(1, 't1')] } }));
    const out = await sim.pullOnce();
    expect(out.ok).to.equal(false);
    expect(out.rejected.map((r) => r.reason)).to.deep.equal(['orphan_thread']);
    expect(sim.store.threads.size).to.equal(0);
    expect(sim.channelState).to.equal(null);
  });

  it('accepts a thread whose ticket is in the same batch or stored already', async () => {
    let n = 0;
    const batches = [
      { data: { tickets: [ticket(1)], threads: [thread(1, 't1')] } },
      { data: { tickets: [], threads: [thread(2, 't1')] } },
    ];
    const channel = await startTestServer((_q, res) => jsonAnswer(batches[n++])(_q, res));
    open.push(channel);
    const sim2 = await startDeskSimulator({ secret: SECRET, channel: { pullUrl: `${channel.url}/pull`, pushUrl: `${channel.url}/push` } });
    open.push(sim2);
    expect((await sim2.pullOnce()).ok).to.equal(true);
    expect((await sim2.pullOnce()).ok).to.equal(true);
    expect(sim2.store.threads.size).to.equal(2);
    expect([...sim2.store.tickets.values()].map((t) => t.createdCount)).to.deep.equal([1]);
  });

  it('refuses a batch of 1001 tickets', async () => {
    const { sim } = await simAgainst(jsonAnswer({ data: { tickets: Array.from({ length: 1001 }, (_, i) => ticket(i)), threads: [] } }));
    const out = await sim.pullOnce();
    expect(out.rejected.map((r) => r.reason)).to.deep.equal(['schema']);
    expect(sim.store.tickets.size).to.equal(0);
  });

  it('refuses schema violations, non-JSON, wrong content types and non-200 answers', async () => {
    for (const [answer, reason] of [
      [jsonAnswer({ data: { tickets: [{ ...ticket(1), createdTime: 'yesterday' }], threads: [] } }), 'schema'],
      [jsonAnswer('{"data":'), 'not_json'],
      [(_q: RecordedRequest, res: http.ServerResponse) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('{}'); }, 'content_type'],
      [jsonAnswer({ code: 'X', message: 'y' }, 500), 'http_status'],
    ] as Array<[Answer, string]>) {
      const { sim } = await simAgainst(answer);
      const out = await sim.pullOnce();
      expect(out.rejected.map((r) => r.reason)).to.deep.equal([reason]);
    }
  });

  it('sends the config params and channelState, keeps channelState when an answer omits it, replaces it when present', async () => {
    const answers = [{ channelState: 'one', data: { tickets: [], threads: [] } }, { data: { tickets: [], threads: [] } }, { channelState: 'two', data: { tickets: [], threads: [] } }];
    let n = 0;
    const { sim, channel } = await simAgainst((q, res) => jsonAnswer(answers[n++])(q, res), { configParams: { repositories: 'a/b' } });
    await sim.pullOnce();
    await sim.pullOnce();
    expect(sim.channelState).to.equal('one');
    await sim.pullOnce();
    expect(sim.channelState).to.equal('two');
    const bodies = channel.requests.map((r) => JSON.parse(r.body));
    expect(bodies).to.deep.equal([{ repositories: 'a/b' }, { repositories: 'a/b', channelState: 'one' }, { repositories: 'a/b', channelState: 'one' }]);
    expect(channel.requests[0]!.url).to.match(/^\/pull\?key=k&orgId=\d+&securityContext=[0-9a-f]+$/);
  });

  it('signs callbacks with a HASH of the raw body', async () => {
    const { sim, channel } = await simAgainst(jsonAnswer({ ok: true }));
    await sim.sendCallback('onInstall');
    await sim.sendCallback('onUninstall', {}, { badHash: true });
    const [good, bad] = channel.requests;
    expect(good!.url).to.equal('/cb/onInstall');
    expect(good!.headers.hash).to.equal(createHmac('sha256', SECRET).update(good!.body).digest('hex'));
    expect(bad!.headers.hash).not.to.equal(createHmac('sha256', SECRET).update(bad!.body).digest('hex'));
  });
});

describe('Desk simulator: the Invoke API', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function setup(envelope?: Parameters<typeof startDeskSimulator>[0]['invokeEnvelope']) {
    const target = await startTestServer((req, res) => {
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json', etag: 'W/"t"' });
      res.end(JSON.stringify({ got: req.url, auth: req.headers.authorization ?? null, body: req.body }));
    });
    const sim = await startDeskSimulator({ secret: SECRET, securityContext: 'ctx', channel: { pullUrl: 'http://127.0.0.1:9/p', pushUrl: 'http://127.0.0.1:9/q' }, connections: { github: { token: 'tok-1' } }, ...(envelope ? { invokeEnvelope: envelope } : {}) });
    open.push(target, sim);
    return { target, sim };
  }

  it('forwards a correctly signed call with the connection\'s token and answers in the nested envelope', async () => {
    const { target, sim } = await setup();
    const client = new InvokeClient({ deskApiUrl: sim.url, secret: SECRET });
    const r = await client.call({ orgId: sim.orgId, securityContext: 'ctx', requestURL: `${target.url}/repos/a/b`, requestType: 'POST', queryParams: { x: '1' }, postBody: '{"body":"hi"}', headers: { accept: 'application/json' }, connectionLinkName: 'github' });
    expect(r.status).to.equal(200);
    expect(r.headers.etag).to.equal('W/"t"');
    expect(JSON.parse(r.body)).to.deep.equal({ got: '/repos/a/b?x=1', auth: 'Bearer tok-1', body: '{"body":"hi"}' });
    expect(sim.invokeLog.map((e) => [e.requestURL, e.hashOk, e.status])).to.deep.equal([['/repos/a/b', true, 200]]);
  });

  it('refuses a wrong HASH and an unknown securityContext', async () => {
    const { target, sim } = await setup();
    const wrong = new InvokeClient({ deskApiUrl: sim.url, secret: 'another-secret-000000' });
    const e1 = await wrong.call({ orgId: sim.orgId, securityContext: 'ctx', requestURL: `${target.url}/x`, requestType: 'GET' }).catch((e: unknown) => e);
    expect((e1 as AppError).code).to.equal('DESK_INVOKE_REFUSED');
    const right = new InvokeClient({ deskApiUrl: sim.url, secret: SECRET });
    const e2 = await right.call({ orgId: sim.orgId, securityContext: 'stale', requestURL: `${target.url}/x`, requestType: 'GET' }).catch((e: unknown) => e);
    expect((e2 as AppError).code).to.equal('DESK_CONTEXT_EXPIRED');
    expect(target.requests).to.have.length(0);
  });

  it('passes target errors through, and can hide status and headers as some envelopes do', async () => {
    const { target, sim } = await setup({ includeStatus: false, includeHeaders: false, statusMessageAs: 'string' });
    const client = new InvokeClient({ deskApiUrl: sim.url, secret: SECRET });
    const r = await client.call({ orgId: sim.orgId, securityContext: 'ctx', requestURL: `${target.url}/missing`, requestType: 'GET' });
    expect(r.statusKnown).to.equal(false);
    expect(r.headers).to.deep.equal({});
    expect(JSON.parse(r.body).got).to.equal('/missing');
  });
});
