import { expect } from 'chai';
import { InvokeClient, unwrapInvokeEnvelope } from '../../server/desk/invoke-client.js';
import { invokeHash } from '../../server/desk/hash.js';
import { AppError } from '../../server/errors.js';
import { startTestServer } from '../helpers/http-test-server.js';

const SECRET = 'invoke-test-secret-123';
type Closer = { close(): Promise<void> };

describe('Invoke client', () => {
  const open: Closer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function deskAnswering(status: number, body: string) {
    const s = await startTestServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    open.push(s);
    return s;
  }

  it('posts the form fields with a HASH Desk can recompute, and unwraps the nested envelope', async () => {
    const desk = await deskAnswering(
      200,
      JSON.stringify({ response: JSON.stringify({ statusCode: 201, statusMessage: JSON.stringify({ id: 7 }), headers: { ETag: 'W/"x"' } }) }),
    );
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
    const result = await client.call({
      orgId: '123',
      securityContext: 'ctx-1',
      requestURL: 'https://api.github.com/repos/a/b/issues/1/comments',
      requestType: 'POST',
      postBody: '{"body":"hi"}',
      headers: { Accept: 'application/vnd.github.full+json' },
      connectionLinkName: 'github',
    });
    expect(result).to.deep.equal({ status: 201, statusKnown: true, headers: { etag: 'W/"x"' }, body: '{"id":7}' });

    const req = desk.requests[0]!;
    expect(req.method).to.equal('POST');
    expect(req.url).to.equal('/api/v1/invoke?orgId=123');
    expect(req.headers['content-type']).to.equal('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(req.body));
    expect(form).to.deep.equal({
      securityContext: 'ctx-1',
      requestURL: 'https://api.github.com/repos/a/b/issues/1/comments',
      requestType: 'POST',
      postBody: '{"body":"hi"}',
      headers: '{"Accept":"application/vnd.github.full+json"}',
      connectionLinkName: 'github',
    });
    const { securityContext: _ctx, ...hashed } = form;
    expect(req.headers.hash).to.equal(invokeHash(SECRET, hashed));
  });

  it('unwraps envelopes whose response is an object, whose body is an object, or that carry no status', () => {
    expect(unwrapInvokeEnvelope(JSON.stringify({ response: { status: '404', statusMessage: { message: 'Not Found' } } }))).to.deep.equal({
      status: 404,
      statusKnown: true,
      headers: {},
      body: '{"message":"Not Found"}',
    });
    expect(unwrapInvokeEnvelope(JSON.stringify({ response: JSON.stringify({ statusMessage: [{ id: 1 }] }) }))).to.deep.equal({
      status: 200,
      statusKnown: false,
      headers: {},
      body: '[{"id":1}]',
    });
  });

  const failures: Array<[string, number, string, string]> = [
    ['a refused HASH', 401, '{"errorCode":"INVALID_HASH","message":"HASH mismatch"}', 'DESK_INVOKE_REFUSED'],
    ['an expired context', 401, '{"errorCode":"INVALID_OAUTH","message":"expired"}', 'DESK_CONTEXT_EXPIRED'],
    ['a Desk outage', 503, 'busy', 'DESK_UNAVAILABLE'],
    ['an envelope without response', 200, '{"data":1}', 'DESK_UNAVAILABLE'],
    ['a body that is not JSON', 200, '<html>', 'DESK_UNAVAILABLE'],
  ];
  for (const [what, status, body, code] of failures) {
    it(`turns ${what} into ${code}`, async () => {
      const desk = await deskAnswering(status, body);
      const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
      const err = await client
        .call({ orgId: '1', securityContext: 'c', requestURL: 'https://api.github.com/user', requestType: 'GET' })
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).code).to.equal(code);
    });
  }

  it('gives up after its timeout with DESK_UNAVAILABLE', async () => {
    const desk = await startTestServer(() => {
      /* never answers */
    });
    open.push(desk);
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET, timeoutMs: 200 });
    const err = await client
      .call({ orgId: '1', securityContext: 'c', requestURL: 'https://api.github.com/user', requestType: 'GET' })
      .then(() => undefined, (e: unknown) => e);
    expect((err as AppError).code).to.equal('DESK_UNAVAILABLE');
    expect((err as AppError).message).to.match(/timed out/);
  });
});
