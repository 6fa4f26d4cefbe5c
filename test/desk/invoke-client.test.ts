import { expect } from 'chai';
import { InvokeClient, deskRedirectTarget, unwrapInvokeEnvelope } from '../../server/desk/invoke-client.js';
import { InvokeTransport } from '../../server/transport/invoke-transport.js';
import { invokeHash } from '../../server/desk/hash.js';
import { AppError } from '../../server/errors.js';
import { DESK_DATA_CENTRES } from '../../server/desk/data-centres.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
      const err = await client.call({ orgId: '1', securityContext: 'c', requestURL: 'https://api.github.com/user', requestType: 'GET' }).then(
        () => undefined,
        (e: unknown) => e,
      );
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
    const err = await client.call({ orgId: '1', securityContext: 'c', requestURL: 'https://api.github.com/user', requestType: 'GET' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as AppError).code).to.equal('DESK_UNAVAILABLE');
    expect((err as AppError).message).to.match(/timed out/);
  });

  const ENVELOPE = JSON.stringify({ response: JSON.stringify({ statusCode: 200, statusMessage: '[]' }) });

  it("puts GitHub's query inside requestURL, as Zoho's samples sign it, or in queryParams when told to", async () => {
    const desk = await deskAnswering(200, ENVELOPE);
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
    const installation = { orgId: '123', securityContext: 'ctx-1', connectionLinkName: 'github' };
    const call = { method: 'GET' as const, target: '/repos/a/b/issues?state=all', query: { since: '2026-01-01T00:00:00Z', per_page: '100' } };
    await new InvokeTransport(client, 'https://api.github.com', installation).send(call);
    await new InvokeTransport(client, 'https://api.github.com', installation, 'params').send(call);
    const [inUrl, inParams] = desk.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(inUrl!.requestURL).to.equal('https://api.github.com/repos/a/b/issues?state=all&since=2026-01-01T00%3A00%3A00Z&per_page=100');
    expect(inUrl).not.to.have.property('queryParams');
    expect(inParams!.requestURL).to.equal('https://api.github.com/repos/a/b/issues');
    expect(JSON.parse(inParams!.queryParams!)).to.deep.equal({ state: 'all', since: '2026-01-01T00:00:00Z', per_page: '100' });
    for (const r of desk.requests) {
      const { securityContext: _c, ...hashed } = Object.fromEntries(new URLSearchParams(r.body));
      expect(r.headers.hash).to.equal(invokeHash(SECRET, hashed));
    }
  });

  it('follows a redirect from Invoke with the same signed form, but only to a Zoho Desk origin', async () => {
    const elsewhere = await deskAnswering(200, ENVELOPE);
    const desk = await startTestServer((req, res) => {
      if (req.url.startsWith('/api/v1/invoke')) res.writeHead(307, { location: '/dc2/api/v1/invoke?orgId=123' }).end();
      else if (req.url.startsWith('/dc2/')) res.writeHead(302, { location: `${elsewhere.url}/api/v1/invoke?orgId=123` }).end();
      else res.writeHead(404).end();
    });
    open.push(desk);
    const client = new InvokeClient({ deskApiUrl: desk.url, secret: SECRET });
    const err = await client
      .call({ orgId: '123', securityContext: 'ctx-1', requestURL: 'https://api.github.com/user', requestType: 'GET' })
      .catch((e: unknown) => e);
    expect((err as AppError).code).to.equal('DESK_UNAVAILABLE');
    expect((err as AppError).message).to.match(/outside Zoho Desk/);
    expect(desk.requests.map((r) => r.url)).to.deep.equal(['/api/v1/invoke?orgId=123', '/dc2/api/v1/invoke?orgId=123']);
    expect(desk.requests[1]!.body).to.equal(desk.requests[0]!.body);
    expect(desk.requests[1]!.headers.hash).to.equal(desk.requests[0]!.headers.hash);
    expect(elsewhere.requests, 'the securityContext never left for another origin').to.have.length(0);
  });

  for (const [dc, host] of Object.entries(DESK_DATA_CENTRES)) {
    it(`takes the ${dc} data centre's Desk host ${host} as a redirect target`, () => {
      const from = 'https://desk.zoho.com/api/v1/invoke?orgId=1';
      expect(deskRedirectTarget(from, `https://${host}/api/v1/invoke?orgId=1`, 'https://desk.zoho.com/api/v1/invoke')).to.equal(
        `https://${host}/api/v1/invoke?orgId=1`,
      );
    });
  }

  it('lists the same data-centre hosts as docs/desk-compatibility.md', () => {
    const doc = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/desk-compatibility.md'), 'utf8');
    const listed = /only to an https Zoho Desk origin \(([^)]*)\)/.exec(doc)?.[1] ?? '';
    expect([...listed.matchAll(/`([a-z.]+)`/g)].map((m) => m[1]).sort()).to.deep.equal(Object.values(DESK_DATA_CENTRES).sort());
  });

  it("takes Zoho Desk's data-centre origins as redirect targets, and nothing like them", () => {
    const from = 'https://desk.zoho.com/api/v1/invoke?orgId=1';
    const endpoint = 'https://desk.zoho.com/api/v1/invoke';
    expect(deskRedirectTarget(from, 'https://desk.zoho.eu/api/v1/invoke?orgId=1', endpoint)).to.equal('https://desk.zoho.eu/api/v1/invoke?orgId=1');
    expect(deskRedirectTarget(from, 'https://desk.zoho.com.au/api/v1/invoke', endpoint)).to.equal('https://desk.zoho.com.au/api/v1/invoke');
    for (const bad of [
      'https://desk.zoho.ca/api/v1/invoke',
      'https://desk.zoho.ae.example/x',
      'http://desk.zoho.eu/api/v1/invoke',
      'https://desk.zoho.eu.evil.example/x',
      'https://evildesk.zoho.com/x',
      'https://desk.zoho.eu:8443/x',
      'https://user:pw@desk.zoho.eu/x',
      'https://example.com/x',
    ]) {
      expect(deskRedirectTarget(from, bad, endpoint), bad).to.equal(undefined);
    }
  });
});
