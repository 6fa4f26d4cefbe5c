import { expect } from 'chai';
import { MAX_CONTENT_CHARS, TOO_DEEP_NOTICE, TOO_LONG_NOTICE } from '../../server/desk/sanitise.js';
import net from 'node:net';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { createConnector } from '../../server/channel-factory.js';
import { gitHubChannel } from '../../server/connectors/github/github-channel.js';
import { contentOf } from '../../server/connectors/github/mapping.js';
import { clientErrorCode } from '../../server/http/client-errors.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import type { ChannelState, SyncObject } from '../../server/desk/wire-types.js';
import type { ServerConfig } from '../../server/config.js';
import { startApp } from '../helpers/start-app.js';
import { SENTINEL, testConfig } from '../helpers/test-config.js';
import { startHostileProxy, type Upstream } from '../helpers/hostile-proxy.js';
import { TestClock } from '../helpers/clock.js';

/*
 * What broke when the server was attacked (issue 12), each kept as a test over real
 * HTTP: the channel server, the fake GitHub, and where GitHub itself must be hostile,
 * a proxy in front of it that rewrites its answers.
 */
const REPO = 'acme/widgets';
const Q = `orgId=1&securityContext=${SENTINEL.securityContext}`;
type App = Awaited<ReturnType<typeof startApp>>;

describe('Hardening: attacks that once worked', function () {
  this.timeout(30_000);
  let gh: FakeGitHub;
  let clock: TestClock;
  let app: App | undefined;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    clock = new TestClock(Date.now());
    gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
    gh.createRepo(REPO);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const close of closers.splice(0)) await close();
    await gh.close();
  });

  const start = async (overrides: Partial<ServerConfig> = {}, apiUrl = gh.url): Promise<App> => {
    const config = testConfig({ upstream: { apiUrl }, pull: { ...testConfig().pull, timeBudgetMs: 5000 }, ...overrides });
    app = await startApp(createConnector(config, { now: clock.now }), config);
    return app;
  };
  const hostile = async (rewrite: Parameters<typeof startHostileProxy>[1]) => {
    const proxy = await startHostileProxy(gh.url, rewrite);
    closers.push(proxy.close);
    return proxy.url;
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(app!.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    for (const s of Object.values(SENTINEL)) expect(text, 'no secret in an answer').not.to.include(s);
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  };
  const push = (issue: number, content: string, configParams: Record<string, string> = { repositories: REPO }) =>
    post(`/desk/push?${Q}`, { configParams, resource: { extParentId: `${REPO}:${issue}`, content } });
  const pull = async (params: Record<string, string>, channelState?: string) => {
    const out = await post(`/desk/pull?${Q}`, { ...params, ...(channelState !== undefined ? { channelState } : {}) });
    expect(out.status).to.equal(200);
    const sync = out.json as unknown as SyncObject;
    return { sync, state: decodeChannelState(sync.channelState).state! };
  };
  const marked = () => gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-reply'));
  const count = (method: string) => gh.requests.filter((r) => r.method === method).length;

  describe('1. a deeply nested reply', () => {
    // Each under Desk's content limit (256 KB): <div> × 40,000 is 200 KB.
    for (const [name, open, times] of [
      ['div', '<div>', 40_000],
      ['i', '<i>', 40_000],
      ['ul/li', '<ul><li>', 30_000],
      ['blockquote', '<blockquote>', 20_000],
    ] as const) {
      it(`(${name} × ${times}) is refused with REPLY_TOO_DEEP while /healthz keeps answering`, async () => {
        await start();
        const issue = gh.createIssue(REPO, { title: 'x' }).number;
        const answer = push(issue, open.repeat(times) + 'deep');
        const health = await fetch(app!.url + '/healthz');
        expect(health.status).to.equal(200);
        const out = await answer;
        expect([out.status, out.json.code]).to.deep.equal([422, 'REPLY_TOO_DEEP']);
        expect(count('POST')).to.equal(0);
      });
    }
  });

  describe('2. duplicate comments', () => {
    it('20 identical pushes at once on one server make one GitHub POST and one answer', async () => {
      await start();
      const issue = gh.createIssue(REPO, { title: 'x' }).number;
      // Slow look-ups widen the race: without a single flight all 20 miss each other.
      gh.faults.add({ match: { method: 'GET', path: /\/comments$/ }, times: 20, fault: { kind: 'latency', ms: 200 } });
      const outs = await Promise.all(Array.from({ length: 20 }, () => push(issue, '<p>Once only</p>')));
      expect(outs.map((o) => o.status)).to.deep.equal(Array(20).fill(200));
      expect(count('POST')).to.equal(1);
      expect(new Set(outs.map((o) => o.json.extId)).size).to.equal(1);
      expect(marked()).to.have.length(1);
    });

    it('two replicas whose DELETEs fail leave duplicates that a later push removes, keeping the oldest', async () => {
      await start();
      const second = await startApp(createConnector(app!.config, { now: clock.now }), app!.config);
      closers.push(second.close);
      const issue = gh.createIssue(REPO, { title: 'x' }).number;
      // Both replicas' first lookups are held until both have asked: neither sees the other's comment (a barrier, not a sleep).
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let arrived = 0;
      gh.faults.add({
        match: { method: 'GET', path: /\/comments$/ },
        times: 2,
        fault: { kind: 'gate', release: released, arrived: () => void (++arrived === 2 && release()) },
      });
      gh.faults.add({ match: { method: 'DELETE' }, times: 10, fault: { kind: 'status', status: 500 } });
      const body = JSON.stringify({ configParams: { repositories: REPO }, resource: { extParentId: `${REPO}:${issue}`, content: '<p>Racing</p>' } });
      const send = (url: string) =>
        fetch(`${url}/desk/push?${Q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          (r) => r.json() as Promise<{ extId: string }>,
        );
      const [a, b] = await Promise.all([send(app!.url), send(second.url)]);
      expect(count('POST')).to.equal(2);
      expect(marked(), 'the failed DELETEs left the duplicate').to.have.length(2);
      const oldest = Math.min(...marked().map((c) => c.id));
      expect([a.extId, b.extId]).to.deep.equal([`${REPO}:c${oldest}`, `${REPO}:c${oldest}`]);

      gh.faults.clear();
      const later = await push(issue, '<p>Racing</p>');
      expect(later.json.extId).to.equal(`${REPO}:c${oldest}`);
      expect(marked().map((c) => c.id)).to.deep.equal([oldest]);
      expect(count('POST')).to.equal(2);
      expect(app!.log.text + second.log.text).to.include('could not delete a duplicate reply');
    });
  });

  it('3. a retried reply is found on an issue with 1,100 comments in the last day', async () => {
    await start();
    const issue = gh.createIssue(REPO, { title: 'busy' }).number;
    // GitHub lists them oldest first: the reply is comment 1,001, on page 11.
    const noise = (n: number) => {
      for (let i = 0; i < n; i++) {
        if (i % 20 === 0) clock.advance(1);
        gh.createComment(REPO, issue, { body: `noise ${i}` });
      }
      clock.advance(1);
    };
    noise(1000);
    const first = await push(issue, '<p>Found again</p>');
    noise(100);
    const again = await push(issue, '<p>Found again</p>');
    expect(again.json.extId).to.equal(first.json.extId);
    expect(count('POST')).to.equal(1);
  });

  describe('4. requests without the URL key', () => {
    it('are answered 401 before their body is read, and a slow body is dropped at once', async () => {
      await start({ deskUrlKey: SENTINEL.urlKey });
      const port = Number(new URL(app!.url).port);
      // Headers announce 1 MB, a few bytes follow, and the rest never comes.
      const text = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let got = '';
        socket.on('data', (d) => (got += d));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
        socket.write(`POST /desk/pull?${Q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n[[[[`);
      });
      expect(text).to.match(/^HTTP\/1\.1 401/);
      expect(text).to.include('"code":"BAD_KEY"');
    });

    it('a deeply nested JSON body is refused as BAD_JSON before it is parsed or validated', async () => {
      await start();
      const deep = '['.repeat(500_000) + ']'.repeat(500_000);
      const res = await fetch(`${app!.url}/desk/pull?${Q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { code: string }).code).to.equal('BAD_JSON');
    });
  });

  describe('5. secrets echoed to the caller', () => {
    it("a push's 502 never repeats GitHub's error text", async () => {
      await start();
      const issue = gh.createIssue(REPO, { title: 'x' }).number;
      gh.faults.add({ match: { method: 'POST' }, fault: { kind: 'status', status: 502, body: { message: `echo authorization: Bearer ${SENTINEL.token}` } } });
      gh.faults.add({ match: { method: 'GET' }, times: 5, fault: { kind: 'status', status: 502, body: { message: `echo Bearer ${SENTINEL.token}` } } });
      const out = await push(issue, '<p>x</p>');
      expect(out.status).to.equal(502);
      expect(String(out.json.message)).not.to.include('echo');
    });

    for (const [what, request, status, code] of [
      [
        'a bad percent-escape in the path',
        `GET /desk/redirect%zz?key=${SENTINEL.urlKey}&${Q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        400,
        'BAD_REQUEST',
      ],
      [
        'headers over the limit',
        `GET /healthz?key=${SENTINEL.urlKey}&${Q} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'HEADERS_TOO_LARGE',
      ],
      ['malformed HTTP', `NOT HTTP ${SENTINEL.securityContext}\r\n\r\n`, 400, 'BAD_REQUEST'],
    ] as const) {
      it(`${what} gets a catalogue answer, logged and counted, with nothing of the URL`, async () => {
        await start({ deskUrlKey: SENTINEL.urlKey });
        const text = await rawRequest(app!.url, request);
        expect(text.split('\r\n')[0]).to.equal(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`);
        const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
        expect(body.code).to.equal(code);
        for (const s of Object.values(SENTINEL)) expect(text).not.to.include(s);
        expect(app!.log.text).to.include(`"code":"${code}"`);
        const metrics = await (await fetch(`${app!.url}/metrics`)).text();
        expect(metrics).to.include(`http_errors_total{code="${code}"} 1`);
      });
    }
  });

  it("5b. Node's request timeout and other parser errors map to catalogue codes", () => {
    expect(clientErrorCode({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).to.equal('REQUEST_TIMEOUT');
    expect(clientErrorCode({ code: 'HPE_HEADER_OVERFLOW' })).to.equal('HEADERS_TOO_LARGE');
    expect(clientErrorCode({ code: 'HPE_INVALID_METHOD' })).to.equal('BAD_REQUEST');
    expect(clientErrorCode({ code: 'ECONNRESET' }), 'nobody left to answer').to.equal(undefined);
  });

  it('6. hostile HTML, titles, logins and avatars from GitHub reach Desk sanitised', async () => {
    const evil =
      '<p>Hi <a href="javascript:alert(1)">x</a><img src=x onerror="alert(2)"><script>alert(3)</script><iframe src="https://e.example"></iframe>' +
      '<form action="https://e.example"><input name=p></form><style>body{display:none}</style><a href="https://ok.example/a">ok</a></p>' +
      '<ul class="contains-task-list"><li class="task-list-item"><input type="checkbox" disabled checked> done</li></ul>' +
      '<pre><code class="language-js">a &lt; b</code></pre><table><tr><td>cell</td></tr></table><blockquote>quoted</blockquote><img src="https://ok.example/i.png" alt="pic">';
    const url = await hostile((req, answer): Upstream => {
      if (req.method !== 'GET' || !req.path.endsWith('/issues')) return answer;
      const issues = JSON.parse(answer.body) as Array<Record<string, unknown>>;
      for (const i of issues) {
        i.body_html = evil;
        i.title = '<img src=x onerror=alert(4)> crash';
        i.user = { ...(i.user as object), login: '<b>mallory</b>', avatar_url: 'javascript:alert(5)' };
      }
      return { ...answer, body: JSON.stringify(issues) };
    });
    await start({}, url);
    gh.createIssue(REPO, { title: 'x', body: 'y' });
    clock.advance(10); // past the settle horizon
    const { sync } = await pull({ repositories: REPO, importSince: 'all' });
    const ticket = sync.data.tickets[0]!;
    const thread = sync.data.threads[0]!;
    const all = JSON.stringify(sync.data.threads);
    for (const bad of ['<script', 'onerror', 'javascript:', '<iframe', '<form', '<style', 'alert(3)', '<img src=x']) expect(all).not.to.include(bad);
    expect(ticket.subject).to.equal('‹img src=x onerror=alert(4)› crash');
    expect(ticket.actor!.photoURL).to.equal(undefined);
    expect(ticket.actor!.name).to.not.include('<');
    for (const kept of [
      'href="https://ok.example/a"',
      '<input type="checkbox" disabled checked',
      '<code>a &lt; b</code>',
      '<td>cell</td>',
      '<blockquote>quoted</blockquote>',
      'src="https://ok.example/i.png"',
    ]) {
      expect(thread.content).to.include(kept);
    }
  });

  it('6b. HTML from GitHub nested thousands deep is replaced by a notice, not parsed', () => {
    const html = '<div>'.repeat(40_000) + '</span>'.repeat(40_000);
    expect(contentOf(html)).to.equal(TOO_DEEP_NOTICE);
    expect(contentOf('<blockquote><ul><li><p>fine</p></li></ul></blockquote>')).to.equal('<blockquote><ul><li><p>fine</p></li></ul></blockquote>');
  });

  describe('7. deadlines', () => {
    for (const [what, path] of [
      ["the labels backfill of an issue's comments", /^\/repos\/acme\/widgets\/issues\/1\/comments$/],
      ['the single-issue read', /^\/repos\/acme\/widgets\/issues\/1$/],
    ] as const) {
      it(`${what} takes the pull's deadline and records the error`, async () => {
        await start({ pull: { ...testConfig().pull, timeBudgetMs: 1000 } });
        const n = gh.createIssue(REPO, { title: 'x', labels: ['bug'] }).number;
        gh.createComment(REPO, n, { body: 'a comment' });
        gh.faults.add({ match: { method: 'GET', path }, times: 5, fault: { kind: 'timeout' } });
        clock.advance(10);
        const state = path.source.endsWith('comments$')
          ? undefined
          : // A state whose issue stream is done but whose comment stream is behind: the comment's issue must be read.
            JSON.stringify({ v: 1, at: 1, r: { [REPO]: { i: { t: Math.floor(clock.now() / 1000) - 5 }, c: { t: 0 }, s: { n: 0 } } } });
        // That the request's time limit is the pull's deadline, not a fixed 15 s, is
        // test/github/request-timeout.test.ts (no durations asserted here).
        const out = await pull({ repositories: REPO, importSince: 'all', labels: 'bug' }, state);
        expect(out.state.r[REPO]!.s.err?.c).to.equal('UPSTREAM_UNAVAILABLE');
      });
    }
  });

  describe('8. tampered or grown channelState', () => {
    const nowS = () => Math.floor(clock.now() / 1000);
    it("a cool-down beyond GitHub's longest is not obeyed: the pull calls GitHub", async () => {
      await start();
      gh.createIssue(REPO, { title: 'x' });
      clock.advance(10);
      const out = await pull({ repositories: REPO, importSince: 'all' }, JSON.stringify({ v: 1, at: 1, r: { [REPO]: { s: { n: 0, na: 9_999_999_999 } } } }));
      expect(out.sync.data.tickets).to.have.length(1);
      expect(out.state.r[REPO]!.s.na).to.equal(undefined);
    });

    it('a cursor far ahead of the clock starts over instead of failing for good', async () => {
      await start();
      gh.createIssue(REPO, { title: 'x' });
      clock.advance(10);
      const out = await pull(
        { repositories: REPO, importSince: 'all' },
        JSON.stringify({ v: 1, at: 1, r: { [REPO]: { i: { t: 1e15 }, c: { t: 1e15 }, s: { n: 0 } } } }),
      );
      expect(out.state.r[REPO]!.s.err).to.equal(undefined);
      expect(out.sync.data.tickets).to.have.length(1);
    });

    it('an ETag longer than the schema allows is not written: the next pull keeps its cursor', async () => {
      const url = await hostile((_req, answer) => ({ ...answer, headers: { ...answer.headers, etag: `W/"${'a'.repeat(150)}"` } }));
      await start({}, url);
      gh.createIssue(REPO, { title: 'x' });
      clock.advance(10);
      const first = await pull({ repositories: REPO, importSince: 'all' });
      expect(first.sync.data.tickets).to.have.length(1);
      const again = await pull({ repositories: REPO, importSince: 'all' }, first.sync.channelState);
      expect(decodeChannelState(first.sync.channelState).problem).to.equal(undefined);
      expect(again.sync.data.tickets, 'not started over').to.have.length(0);
    });

    it('20 long repository names and a bad repositories setting answer 200 with CONFIG_INVALID', async () => {
      await start();
      const r: ChannelState['r'] = {};
      const s = { n: 0, ok: nowS(), err: { c: 'UPSTREAM_UNAVAILABLE', t: nowS(), k: 1 } };
      for (let i = 0; i < 20; i++) r[`o${i}/${'r'.repeat(95)}${i}`] = { i: { t: nowS() - 10, a: 123456789 }, c: { t: nowS() - 10, a: 123456789 }, s };
      const state = JSON.stringify({ v: 1, at: nowS(), r });
      const out = await pull({ repositories: 'not a repo!' }, state);
      expect(out.state.err?.c).to.equal('CONFIG_INVALID');
    });
  });

  describe('9. silent failures', () => {
    it("a repository's INTERNAL is recorded and logged once with its cause", async () => {
      // A transport that breaks like a bug would (not an AppError): the real channel around it.
      const channel = gitHubChannel({
        config: testConfig(),
        transportFor: () => ({ send: async () => Promise.reject(new TypeError('the cause, for the log')) }),
      });
      const lines: string[] = [];
      const log = {
        warn: (o: object, m: string) => lines.push(JSON.stringify({ ...o, m })),
        error: (o: object, m: string) => lines.push(JSON.stringify({ ...o, m, err: String((o as { err?: unknown }).err) })),
      };
      const answer = await channel.pull({
        query: { orgId: '1', securityContext: 'x' },
        body: { repositories: REPO },
        signal: new AbortController().signal,
        log,
      });
      expect(decodeChannelState(answer.sync.channelState).state!.r[REPO]!.s.err?.c).to.equal('INTERNAL');
      expect(lines.filter((l) => l.includes('"code":"INTERNAL"'))).to.have.length(1);
      expect(lines.join('\n')).to.include('the cause, for the log');
    });

    it('a Link outside the API root is UPSTREAM_BAD_RESPONSE', async () => {
      const url = await hostile((req, answer) =>
        /\/issues\/\d+\/comments$/.test(req.path)
          ? { ...answer, headers: { ...answer.headers, link: '<http://evil.example/repos/acme/widgets/issues/1/comments?page=2>; rel="next"' } }
          : answer,
      );
      await start({}, url);
      const n = gh.createIssue(REPO, { title: 'x', labels: ['bug'] }).number;
      gh.createComment(REPO, n, { body: 'c' });
      clock.advance(10);
      const out = await pull({ repositories: REPO, importSince: 'all', labels: 'bug' });
      expect(out.state.r[REPO]!.s.err?.c).to.equal('UPSTREAM_BAD_RESPONSE');
      expect(app!.log.text).to.include('"code":"UPSTREAM_BAD_RESPONSE"');
    });
  });

  it("round two, 7. a body that sanitising swells past Desk's cap (300 KB of bare &) is cut to the cap with a notice: no pull is refused", async () => {
    const url = await hostile((req, answer): Upstream => {
      if (req.method !== 'GET' || !req.path.endsWith('/issues')) return answer;
      const issues = JSON.parse(answer.body) as Array<Record<string, unknown>>;
      for (const i of issues) i.body_html = `<p>${'&'.repeat(300_000)}</p>`;
      return { ...answer, body: JSON.stringify(issues) };
    });
    await start({}, url);
    gh.createIssue(REPO, { title: 'ampersands', body: 'y' });
    clock.advance(10); // past the settle horizon
    const { sync } = await pull({ repositories: REPO, importSince: 'all' });
    const body = sync.data.threads.find((t) => t.extId.endsWith(':body'))!;
    expect(body.content.length).to.be.at.most(MAX_CONTENT_CHARS);
    expect(body.content.endsWith(TOO_LONG_NOTICE)).to.equal(true);
  });

  it('round two, 8. relative URLs (which Desk would resolve against its own origin) never reach Desk', async () => {
    const url = await hostile((req, answer): Upstream => {
      if (req.method !== 'GET' || !req.path.endsWith('/issues')) return answer;
      const issues = JSON.parse(answer.body) as Array<Record<string, unknown>>;
      for (const i of issues)
        i.body_html =
          '<p><img src="/x.png"><a href="/settings">rel</a><a href="//evil.example/">pr</a><a href="https://github.com/acme/widgets/issues/2">ok</a></p>' +
          '<picture><source srcset="/a.png 1x, https://ok.example/b.png 2x"></picture><blockquote cite="/q">q</blockquote>';
      return { ...answer, body: JSON.stringify(issues) };
    });
    await start({}, url);
    gh.createIssue(REPO, { title: 'relative', body: 'y' });
    clock.advance(10); // past the settle horizon
    const { sync } = await pull({ repositories: REPO, importSince: 'all' });
    const content = sync.data.threads.find((t) => t.extId.endsWith(':body'))!.content;
    expect(content).not.to.match(/(src|href|srcset|cite)="(?!https?:\/\/)/);
    expect(content).to.include('href="https://github.com/acme/widgets/issues/2"');
  });

  it('round two, 6. the depth scan reads comments and tag names as HTML does: <!--> and <x.a></x.b> cannot hide nesting', async () => {
    // A pull: every issue's body is 45,000 mismatched dotted tags (a parser nests them all).
    const url = await hostile((req, answer): Upstream => {
      if (req.method !== 'GET' || !req.path.endsWith('/issues')) return answer;
      const issues = JSON.parse(answer.body) as Array<Record<string, unknown>>;
      for (const i of issues) i.body_html = '<x.a></x.b>'.repeat(45_000);
      return { ...answer, body: JSON.stringify(issues) };
    });
    await start({}, url);
    const issue = gh.createIssue(REPO, { title: 'dotted', body: 'y' }).number;
    clock.advance(10); // past the settle horizon
    const { sync } = await pull({ repositories: REPO, importSince: 'all' });
    expect(sync.data.threads.find((t) => t.extId.endsWith(':body'))!.content).to.equal(TOO_DEEP_NOTICE);
    // A reply: a comment that HTML ends at once, then 50,000 open divs (within the push's size bound).
    const out = await push(issue, '<!-->' + '<div>'.repeat(50_000));
    expect([out.status, out.json.code]).to.deep.equal([422, 'REPLY_TOO_DEEP']);
  });

  describe('10. smaller', () => {
    it('repositories "acme/.." is CONFIG_INVALID and nothing is asked of GitHub', async () => {
      await start();
      const out = await pull({ repositories: 'acme/..' });
      expect(out.state.err?.c).to.equal('CONFIG_INVALID');
      expect(gh.requests).to.have.length(0);
    });

    it("a reply over GitHub's 65,536 characters is REPLY_TOO_LONG, and nothing is posted", async () => {
      await start();
      const issue = gh.createIssue(REPO, { title: 'x' }).number;
      const out = await push(issue, `<p>${'word '.repeat(14_000)}</p>`);
      expect([out.status, out.json.code]).to.deep.equal([422, 'REPLY_TOO_LONG']);
      expect(count('POST')).to.equal(0);
    });

    it('text that shows an HTML comment is posted as visible text', async () => {
      await start();
      const issue = gh.createIssue(REPO, { title: 'x' }).number;
      const out = await push(issue, '<p>Put &lt;!-- note --&gt; in the file, then &lt;b&gt;</p>');
      expect(out.status).to.equal(200);
      const body = marked()[0]!.body;
      expect(body).to.match(/^Put &lt;!-- note --> in the file, then &lt;b>\n\n<!-- zoho-desk-reply:/);
    });
  });
});

/** Writes raw bytes and reads until the server closes the connection (or 5 s pass). */
function rawRequest(baseUrl: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(baseUrl).port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (d) => (got += d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', reject);
    socket.write(request);
  });
}
