import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import type { Channel } from '../../server/sync/channel.js';
import type { SyncObject, SyncThread } from '../../server/desk/wire-types.js';
import { validators } from '../../server/desk/schemas.js';
import { startApp } from '../helpers/start-app.js';
import { SENTINEL } from '../helpers/test-config.js';

const TIME = '2026-11-23T10:00:00.000Z';
const actor = { extId: 'gh-user:1', name: 'octocat' };
const SYNC: SyncObject = {
  channelState: '{"v":1}',
  data: {
    tickets: [{ extId: 'acme/widgets#1', subject: 'Broken', createdTime: TIME, actor }],
    threads: [
      { extId: 'acme/widgets#1:body', extParentId: 'acme/widgets#1', createdTime: TIME, content: '<p>x</p>', contentType: 'text/html', direction: 'in', actor },
    ],
  },
};
const REPLY: SyncThread = {
  extId: 'acme/widgets#c9',
  extParentId: 'acme/widgets#1',
  createdTime: TIME,
  content: 'ok',
  contentType: 'text/html',
  direction: 'out',
  actor,
};

/** A channel that records what the HTTP layer hands it: the HTTP layer is what these tests prove. */
function recordingChannel() {
  const calls: Array<{ route: string; value: unknown }> = [];
  const channel: Channel = {
    pull: async (r) => {
      calls.push({ route: 'pull', value: r });
      return { sync: SYNC, json: JSON.stringify(SYNC) };
    },
    push: async (r) => {
      calls.push({ route: 'push', value: r });
      return REPLY;
    },
    redirect: (t) => (t.id === 'acme/widgets#1' ? 'https://github.com/acme/widgets/issues/1' : undefined),
  };
  return { channel, calls };
}

const q = `orgId=60012345&securityContext=${SENTINEL.securityContext}`;

describe("HTTP routes: Desk's documented requests", () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let rec: ReturnType<typeof recordingChannel>;
  beforeEach(async () => {
    rec = recordingChannel();
    app = await startApp(rec.channel);
  });
  afterEach(async () => app.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers a pull with the SYNC object, handing the channel the query and config params', async () => {
    const res = await post(`/desk/pull?${q}`, { channelState: '{"x":1}', repositories: 'acme/widgets', labels: null });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const body = await res.json();
    expect(validators.sync(body)).to.equal(true);
    expect(body).to.deep.equal(SYNC);
    const call = rec.calls[0]!.value as { query: unknown; body: unknown };
    expect(call.query).to.deep.equal({ orgId: '60012345', securityContext: SENTINEL.securityContext });
    expect(call.body).to.deep.equal({ channelState: '{"x":1}', repositories: 'acme/widgets', labels: null });
  });

  it('answers a first pull (no channelState) too', async () => {
    const res = await post(`/desk/pull?${q}`, { repositories: 'acme/widgets' });
    expect(res.status).to.equal(200);
  });

  it('answers a push with the thread created on GitHub', async () => {
    const res = await post(`/desk/push?${q}`, {
      configParams: { repositories: 'acme/widgets' },
      resource: { extParentId: 'acme/widgets#1', content: '<div>Hi</div>', summary: 'Hi' },
    });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal(REPLY);
  });

  it('redirects to the external resource and refuses ids it does not know', async () => {
    const ok = await fetch(`${app.url}/desk/redirect?entity=ticket&id=${encodeURIComponent('acme/widgets#1')}`, { redirect: 'manual' });
    expect(ok.status).to.equal(302);
    expect(ok.headers.get('location')).to.equal('https://github.com/acme/widgets/issues/1');
    const unknown = await fetch(`${app.url}/desk/redirect?entity=ticket&id=evil.example.com`, { redirect: 'manual' });
    expect(unknown.status).to.equal(404);
    expect((await unknown.json()).code).to.equal('NOT_FOUND');
    const badEntity = await fetch(`${app.url}/desk/redirect?entity=javascript&id=1`, { redirect: 'manual' });
    expect((await badEntity.json()).code).to.equal('INVALID_QUERY');
  });

  it('hands the channel one normalised form whatever shape Desk sends: pairs, numbers, empty and null ids, unknown fields and query parameters', async () => {
    await post(`/desk/pull?${q}&installationId=4000&lang=en&lang=de`, [
      { name: 'repositories', value: 'acme/widgets' },
      { name: 'page_size', value: 90 },
      { name: 'notify', value: true },
      { name: 'channelState' },
    ]);
    await post(`/desk/push?${q}&ticketId=9`, {
      configParams: [{ name: 'repositories', value: 'acme/widgets' }],
      resource: { extParentId: '', replyToExtId: 'acme/widgets:1', content: null, summary: 'Hi', isPrivate: false },
      event: 'reply',
    });
    await post(`/desk/push?${q}`, {
      configParams: { repositories: 'acme/widgets', count: 3 },
      resource: { extParentId: 42, replyToExtId: null, content: '<p>x</p>' },
    });
    const [pull, push, numeric] = rec.calls.map((c) => c.value as { query: unknown; body: unknown });
    expect(pull!.query).to.deep.equal({ orgId: '60012345', securityContext: SENTINEL.securityContext });
    expect(pull!.body).to.deep.equal({ repositories: 'acme/widgets', page_size: '90', notify: 'true', channelState: null });
    expect(push!.body).to.deep.equal({ configParams: { repositories: 'acme/widgets' }, resource: { replyToExtId: 'acme/widgets:1', summary: 'Hi' } });
    expect(numeric!.body).to.deep.equal({ configParams: { repositories: 'acme/widgets', count: '3' }, resource: { extParentId: '42', content: '<p>x</p>' } });
  });

  it('answers every lifecycle callback 200, acts only on one whose HASH verifies, and counts the others', async () => {
    const raw = JSON.stringify({ event: 'onInstall', orgId: 60012345, securityContext: SENTINEL.securityContext });
    const hash = createHmac('sha256', SENTINEL.secret).update(raw).digest('hex');
    const ok = await post('/desk/callbacks/onInstall', raw, { hash });
    expect([ok.status, await ok.json()]).to.deep.equal([200, { ok: true, acted: true }]);
    const forged = await post('/desk/callbacks/onInstall', raw, { hash: createHmac('sha256', 'not-the-secret').update(raw).digest('hex') });
    expect([forged.status, await forged.json()]).to.deep.equal([200, { ok: true, acted: false }]);
    const missing = await post('/desk/callbacks/onInstall', raw);
    expect(missing.status).to.equal(200);
    const unreadable = await post('/desk/callbacks/onUninstall', '{"event":1}', {
      hash: createHmac('sha256', SENTINEL.secret).update('{"event":1}').digest('hex'),
    });
    expect([unreadable.status, await unreadable.json()]).to.deep.equal([200, { ok: true, acted: false }]);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).to.include('desk_callbacks_total{event="onInstall",outcome="verified"} 1');
    expect(metrics).to.include('desk_callbacks_total{event="onInstall",outcome="unverified"} 2');
    expect(metrics).to.include('desk_callbacks_total{event="onUninstall",outcome="unreadable"} 1');
    const notActed = app.log.lines.filter((l) => l.includes('lifecycle callback not acted on'));
    expect(notActed).to.have.length(3);
    expect(notActed.join('')).not.to.include(SENTINEL.securityContext);
  });

  it('answers a callback whose body cannot be read (empty, a __proto__ key, too deep) 200 and does not act on it', async () => {
    for (const raw of ['', '{"__proto__":{"polluted":1},"event":"onInstall","orgId":1,"securityContext":"x"}', '['.repeat(100) + ']'.repeat(100)]) {
      const hash = createHmac('sha256', SENTINEL.secret).update(raw).digest('hex');
      const res = await post('/desk/callbacks/onInstall', raw, { hash });
      expect([res.status, await res.json()], JSON.stringify(raw.slice(0, 30))).to.deep.equal([200, { ok: true, acted: false }]);
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('refuses an unverified callback with CALLBACK_HASH=enforce', async () => {
    const strict = await startApp(rec.channel, { callbackHash: 'enforce' });
    try {
      const raw = JSON.stringify({ event: 'onInstall', orgId: 60012345, securityContext: 'c' });
      const forged = await fetch(`${strict.url}/desk/callbacks/onInstall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', hash: 'f'.repeat(64) },
        body: raw,
      });
      expect([forged.status, (await forged.json()).code]).to.deep.equal([401, 'BAD_HASH']);
      const hash = createHmac('sha256', SENTINEL.secret).update(raw).digest('hex');
      const mismatched = await fetch(`${strict.url}/desk/callbacks/onUninstall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', hash },
        body: raw,
      });
      expect(mismatched.status, 'the route names the event; body.event may differ (the samples never read it)').to.equal(200);
    } finally {
      await strict.close();
    }
  });

  it('serves /healthz and Prometheus /metrics with counts by route and status', async () => {
    await post(`/desk/pull?${q}`, {});
    await post(`/desk/pull?orgId=x`, {});
    expect(await (await fetch(`${app.url}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).to.include('http_requests_total{method="POST",route="/desk/pull",status="200"} 1');
    expect(text).to.include('http_requests_total{method="POST",route="/desk/pull",status="400"} 1');
    expect(text).to.match(/http_request_duration_seconds_bucket\{method="POST",route="\/desk\/pull",status="200",le="\+Inf"\} 1/);
  });
});

describe('HTTP routes: bad input gets a clear 4xx with a stable code', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  before(async () => {
    app = await startApp(recordingChannel().channel);
  });
  after(async () => app.close());

  const cases: Array<{ name: string; path: string; init: RequestInit; status: number; code: string; message?: RegExp }> = [
    {
      name: 'malformed JSON',
      path: `/desk/pull?${q}`,
      init: { body: '{"a":', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'BAD_JSON',
    },
    { name: 'an empty JSON body', path: `/desk/pull?${q}`, init: { body: '', headers: { 'content-type': 'application/json' } }, status: 400, code: 'BAD_JSON' },
    {
      name: 'a wrong content type',
      path: `/desk/pull?${q}`,
      init: { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    // Found by the property suite: fastify's own text/plain parser made this a schema error.
    {
      name: 'a text/plain body',
      path: `/desk/pull?${q}`,
      init: { body: '{"repositories":"a/b"}', headers: { 'content-type': 'text/plain' } },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a 2 MB body',
      path: `/desk/pull?${q}`,
      init: { body: JSON.stringify({ labels: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } },
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'a config param of the wrong type',
      path: `/desk/pull?${q}`,
      init: { body: '{"repositories":{"a":1}}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
      message: /^body\.repositories must be/,
    },
    {
      name: 'a body that is a number',
      path: `/desk/pull?${q}`,
      init: { body: '42', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'a {name, value} pair naming a prototype key',
      path: `/desk/pull?${q}`,
      init: { body: '[{"name":"__proto__","value":"x"}]', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'more than 40 config params',
      path: `/desk/pull?${q}`,
      init: { body: JSON.stringify(Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`p${i}`, 'x']))), headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'more than 32 query parameters',
      path: `/desk/pull?${q}&${Array.from({ length: 31 }, (_, i) => `x${i}=1`).join('&')}`,
      init: { body: '{}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_QUERY',
    },
    {
      name: 'a missing orgId',
      path: `/desk/pull?securityContext=abc`,
      init: { body: '{}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_QUERY',
      message: /orgId/,
    },
    {
      name: 'a non-numeric orgId',
      path: `/desk/pull?orgId=1%3B2&securityContext=abc`,
      init: { body: '{}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_QUERY',
    },
    {
      name: 'a push without resource',
      path: `/desk/push?${q}`,
      init: { body: '{"configParams":{}}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
      message: /resource/,
    },
    {
      name: 'a push resource of more than 64 fields',
      path: `/desk/push?${q}`,
      init: {
        body: JSON.stringify({ configParams: {}, resource: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 1])) }),
        headers: { 'content-type': 'application/json' },
      },
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'a push whose resource is not an object',
      path: `/desk/push?${q}`,
      init: { body: '{"configParams":{},"resource":"x"}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'prototype poisoning',
      path: `/desk/pull?${q}`,
      init: { body: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'BAD_JSON',
    },
    { name: 'an unknown route', path: '/desk/nothing', init: { body: '{}', headers: { 'content-type': 'application/json' } }, status: 404, code: 'NOT_FOUND' },
    { name: 'a GET on the pull route', path: `/desk/pull?${q}`, init: { method: 'GET' }, status: 405, code: 'METHOD_NOT_ALLOWED' },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.status} ${c.code}`, async () => {
      const res = await fetch(app.url + c.path, { method: 'POST', ...c.init });
      expect(res.status).to.equal(c.status);
      const body = await res.json();
      expect(validators.error(body), JSON.stringify(body)).to.equal(true);
      expect(body.code).to.equal(c.code);
      if (c.message) expect(body.message).to.match(c.message);
      expect(JSON.stringify(body)).not.to.match(/at .*\.ts:\d+/);
    });
  }
});

describe('HTTP routes: the URL key', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  before(async () => {
    app = await startApp(recordingChannel().channel, { deskUrlKey: SENTINEL.urlKey });
  });
  after(async () => app.close());
  const pull = (query: string) => fetch(`${app.url}/desk/pull?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  it('refuses every Desk-facing route without the key or with a wrong one', async () => {
    for (const res of [
      await pull(q),
      await pull(`${q}&key=wrong`),
      await fetch(`${app.url}/desk/redirect?entity=ticket&id=acme/widgets%231`, { redirect: 'manual' }),
    ]) {
      expect(res.status).to.equal(401);
      expect((await res.json()).code).to.equal('BAD_KEY');
    }
  });

  it('accepts the key, also when Desk appends its query with a second "?"', async () => {
    expect((await pull(`key=${SENTINEL.urlKey}&${q}`)).status).to.equal(200);
    expect((await pull(`key=${SENTINEL.urlKey}?${q}`)).status).to.equal(200);
  });

  it('answers a callback without the key 200 and does not act on it (enforce: 401 BAD_KEY)', async () => {
    const raw = JSON.stringify({ event: 'onInstall', orgId: 1, securityContext: 'c' });
    const hash = createHmac('sha256', SENTINEL.secret).update(raw).digest('hex');
    const send = (url: string, path: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', hash }, body: raw });
    const keyless = await send(app.url, '/desk/callbacks/onInstall');
    expect([keyless.status, await keyless.json()]).to.deep.equal([200, { ok: true, acted: false }]);
    const keyed = await send(app.url, `/desk/callbacks/onInstall?key=${SENTINEL.urlKey}`);
    expect(await keyed.json()).to.deep.equal({ ok: true, acted: true });
    const strict = await startApp(recordingChannel().channel, { deskUrlKey: SENTINEL.urlKey, callbackHash: 'enforce' });
    try {
      const refused = await send(strict.url, '/desk/callbacks/onInstall');
      expect([refused.status, (await refused.json()).code]).to.deep.equal([401, 'BAD_KEY']);
    } finally {
      await strict.close();
    }
  });

  it('leaves health and metrics open', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).to.equal(200);
  });
});

describe('Keep-alive connections', () => {
  it('serve many requests on one connection without piling up listeners (found by the benchmark)', async () => {
    const app = await startApp(recordingChannel().channel);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${app.url}/desk/pull?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        await res.arrayBuffer();
      }
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.to.include('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await app.close();
    }
  });
});

describe('Secrets stay out of the log', () => {
  it('never writes the extension secret, URL key, token or securityContext, whatever the request', async () => {
    const app = await startApp(recordingChannel().channel, { deskUrlKey: SENTINEL.urlKey, logLevel: 'trace' });
    try {
      const k = `key=${SENTINEL.urlKey}`;
      await fetch(`${app.url}/desk/pull?${k}&${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await fetch(`${app.url}/desk/pull?key=${SENTINEL.secret}&${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
      await fetch(`${app.url}/desk/push?${k}&${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"configParams":{}}' });
      await fetch(`${app.url}/desk/callbacks/onInstall?${k}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', hash: SENTINEL.secret },
        body: JSON.stringify({ event: 'onInstall', orgId: 1, securityContext: SENTINEL.securityContext }),
      });
      expect(app.log.lines.length).to.be.greaterThan(3);
      for (const secret of Object.values(SENTINEL)) expect(app.log.text).not.to.include(secret);
    } finally {
      await app.close();
    }
  });
});
