import { expect } from 'chai';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { TestClock } from '../helpers/clock.js';
import { rejects } from '../helpers/rejects.js';

const TOKEN = 'fake-token';
const REPO = 'acme/widgets';

describe('Fake GitHub behaves like GitHub', () => {
  let gh: FakeGitHub;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock(Date.parse('2026-03-01T12:00:00Z'));
    gh = await startFakeGitHub({ token: TOKEN, now: clock.now, rateLimit: 50 });
    gh.createRepo(REPO);
  });
  afterEach(async () => gh.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(path.startsWith('http') ? path : gh.url + path, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  it('pages with a Link header whose next URL works as given', async () => {
    for (let i = 0; i < 7; i++) gh.createIssue(REPO, { title: `i${i}` });
    const first = await get(`/repos/${REPO}/issues?per_page=3&state=all`);
    const link = first.headers.get('link')!;
    expect(link).to.match(/<[^>]+page=2[^>]*>; rel="next", <[^>]+page=3[^>]*>; rel="last"$/);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const second = await get(next);
    expect(((await second.json()) as unknown[]).length).to.equal(3);
    const last = await get(/<([^>]+)>; rel="last"/.exec(link)![1]!);
    expect(last.headers.get('link')).to.match(/rel="prev".*rel="first"/);
    expect(last.headers.get('link')).not.to.include('rel="next"');
  });

  it('filters by state, labels (all of them) and since (inclusive), and mixes pull requests in', async () => {
    gh.createIssue(REPO, { title: 'a', labels: ['bug'] });
    clock.advance(60);
    const b = gh.createIssue(REPO, { title: 'b', labels: ['bug', 'ui'], pullRequest: true });
    gh.createIssue(REPO, { title: 'c', state: 'closed', labels: ['ui'] });
    const open = (await (await get(`/repos/${REPO}/issues`)).json()) as Array<{ title: string; pull_request?: unknown }>;
    expect(open.map((i) => i.title).sort()).to.deep.equal(['a', 'b']);
    expect(open.find((i) => i.title === 'b')!.pull_request).to.be.an('object');
    const both = (await (await get(`/repos/${REPO}/issues?labels=bug,ui&state=all`)).json()) as Array<{ title: string }>;
    expect(both.map((i) => i.title)).to.deep.equal(['b']);
    const since = (await (await get(`/repos/${REPO}/issues?state=all&since=${encodeURIComponent(b.updated_at as string)}`)).json()) as Array<{ title: string }>;
    expect(since.map((i) => i.title).sort()).to.deep.equal(['b', 'c']);
  });

  it("bumps an issue's updated_at when it is commented on, and lists comments by update time", async () => {
    const issue = gh.createIssue(REPO, { title: 'a' });
    clock.advance(30);
    const c = gh.createComment(REPO, issue.number, { body: 'hi' });
    expect(gh.issues(REPO)[0]!.updated_at).to.equal(c.created_at);
    clock.advance(30);
    const d = gh.createComment(REPO, issue.number, { body: 'second' });
    clock.advance(30);
    gh.editComment(REPO, c.id, 'edited');
    const list = (await (await get(`/repos/${REPO}/issues/comments?sort=updated&direction=asc`)).json()) as Array<{ id: number }>;
    expect(list.map((x) => x.id)).to.deep.equal([d.id, c.id]);
  });

  it('renders the raw, html, text and full media types, hiding HTML comments', async () => {
    const issue = gh.createIssue(REPO, { title: 'a', body: 'Hello **you** <script>x</script>\n\n<!-- hidden -->' });
    const raw = (await (await get(`/repos/${REPO}/issues/${issue.number}`)).json()) as Record<string, unknown>;
    expect(raw.body).to.include('<!-- hidden -->');
    expect(raw).not.to.have.property('body_html');
    const full = (await (await get(`/repos/${REPO}/issues/${issue.number}`, { accept: 'application/vnd.github.full+json' })).json()) as Record<string, string>;
    expect(full.body_html).to.equal('<p dir="auto">Hello <strong>you</strong> &lt;script&gt;x&lt;/script&gt;</p>');
    expect(full.body_text).to.equal('Hello you <script>x</script>');
    const html = (await (await get(`/repos/${REPO}/issues/${issue.number}`, { accept: 'application/vnd.github.html+json' })).json()) as Record<string, unknown>;
    expect(html).to.have.property('body_html');
    expect(html).not.to.have.property('body');
  });

  it('answers If-None-Match with 304, which costs no rate limit, and changes the ETag when the answer changes', async () => {
    gh.createIssue(REPO, { title: 'a' });
    const first = await get(`/repos/${REPO}/issues`);
    const etag = first.headers.get('etag')!;
    expect(etag).to.match(/^W\/"[0-9a-f]{64}"$/);
    const used = gh.rateLimitState().used;
    const again = await get(`/repos/${REPO}/issues`, { 'if-none-match': etag });
    expect(again.status).to.equal(304);
    expect(gh.rateLimitState().used).to.equal(used);
    gh.createIssue(REPO, { title: 'b' });
    const changed = await get(`/repos/${REPO}/issues`, { 'if-none-match': etag });
    expect(changed.status).to.equal(200);
    expect(changed.headers.get('etag')).not.to.equal(etag);
  });

  it('counts the primary rate limit, refuses when it is used up, and resets after the hour', async () => {
    gh.setRateLimit({ remaining: 1 });
    const ok = await get('/user');
    expect(ok.headers.get('x-ratelimit-remaining')).to.equal('0');
    const refused = await get('/user');
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('x-ratelimit-remaining')).to.equal('0');
    expect(((await refused.json()) as { message: string }).message).to.match(/rate limit exceeded/);
    clock.advance(3601);
    expect((await get('/user')).status).to.equal(200);
  });

  it('applies the secondary limit to content creation', async () => {
    const issue = gh.createIssue(REPO, { title: 'a' });
    gh.setRateLimit({ remaining: 5000 });
    const post = () =>
      fetch(`${gh.url}/repos/${REPO}/issues/${issue.number}/comments`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"body":"x"}' });
    const big = await startFakeGitHub({ token: TOKEN, now: clock.now });
    try {
      big.createRepo(REPO);
      const n = big.createIssue(REPO, { title: 'a' }).number;
      let last: Response | undefined;
      for (let i = 0; i < 81; i++)
        last = await fetch(`${big.url}/repos/${REPO}/issues/${n}/comments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: '{"body":"x"}',
        });
      expect(last!.status).to.equal(403);
      expect(last!.headers.get('retry-after')).to.equal('60');
    } finally {
      await big.close();
    }
    expect((await post()).status).to.equal(201);
  });

  it('answers 401, 404, 410, 422 and 403-locked as GitHub does', async () => {
    expect((await fetch(`${gh.url}/user`)).status).to.equal(401);
    expect((await get('/repos/acme/none/issues')).status).to.equal(404);
    gh.setRepoIssues(REPO, false);
    expect((await get(`/repos/${REPO}/issues`)).status).to.equal(410);
    gh.setRepoIssues(REPO, true);
    const issue = gh.createIssue(REPO, { title: 'a', locked: true });
    const post = (body: string) =>
      fetch(`${gh.url}/repos/${REPO}/issues/${issue.number}/comments`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });
    expect((await post('{"body":""}')).status).to.equal(422);
    const locked = await post('{"body":"hello"}');
    expect(locked.status).to.equal(403);
    expect(((await locked.json()) as { message: string }).message).to.match(/locked/);
    gh.deleteIssue(REPO, issue.number);
    expect((await get(`/repos/${REPO}/issues/${issue.number}`)).status).to.equal(410);
  });

  it('injects each fault once, per request that matches', async () => {
    gh.createIssue(REPO, { title: 'a' });
    const path = `/repos/${REPO}/issues`;
    gh.faults.add({ match: { path }, fault: { kind: 'status', status: 502 } });
    expect((await get(path)).status).to.equal(502);
    expect((await get(path)).status).to.equal(200);

    gh.faults.add({ match: { path }, fault: { kind: 'reset' } });
    await rejects(get(path));
    gh.faults.add({ match: { path }, fault: { kind: 'truncate' } });
    await rejects(get(path).then((r) => r.json()));
    gh.faults.add({ match: { path }, fault: { kind: 'timeout' } });
    await rejects(fetch(gh.url + path, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(200) }));
    gh.faults.add({ match: { path }, fault: { kind: 'rateLimit', type: 'secondary', retryAfter: 7, status: 429 } });
    const limited = await get(path);
    expect([limited.status, limited.headers.get('retry-after')]).to.deep.equal([429, '7']);
    gh.faults.add({ match: { path }, fault: { kind: 'latency', ms: 50 } });
    expect((await get(path)).status).to.equal(200);
    expect(gh.faults.applied.map((f) => f.fault.kind)).to.deep.equal(['status', 'reset', 'truncate', 'timeout', 'rateLimit', 'latency']);
    expect(gh.faults.pending).to.equal(0);
  });

  it('carries out a request whose answer it then drops', async () => {
    const issue = gh.createIssue(REPO, { title: 'a' });
    gh.faults.add({ match: { method: 'POST' }, fault: { kind: 'dropResponse' } });
    await rejects(
      fetch(`${gh.url}/repos/${REPO}/issues/${issue.number}/comments`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"body":"x"}' }),
    );
    expect(gh.comments(REPO)).to.have.length(1);
  });
  it('records each change of state, label and assignee as an issue event, listed newest first with its issue', async () => {
    gh.createIssue(REPO, { title: 'a' });
    gh.editIssue(REPO, 1, { labels: ['bug'], assignees: ['octocat'] });
    clock.advance(5);
    gh.editIssue(REPO, 1, { state: 'closed', stateReason: 'not_planned' }, { login: 'hubot', id: 42 });
    gh.editIssue(REPO, 1, { state: 'open', labels: [] });
    const events = (await (await get(`/repos/${REPO}/issues/events?per_page=2`)).json()) as Array<{
      id: number;
      event: string;
      actor: { login: string };
      state_reason?: string;
      issue: { number: number };
    }>;
    expect(events.map((e) => e.event)).to.deep.equal(['reopened', 'unlabeled']);
    const page2 = (await (await get(`/repos/${REPO}/issues/events?per_page=2&page=2`)).json()) as typeof events;
    expect(page2.map((e) => [e.event, e.actor.login, e.state_reason ?? null])).to.deep.equal([
      ['closed', 'hubot', 'not_planned'],
      ['assigned', 'octocat', null],
    ]);
    expect(events[0]!.id).to.be.greaterThan(page2[0]!.id);
    expect(events[0]!.issue.number).to.equal(1);
    const own = (await (await get(`/repos/${REPO}/issues/1/events`)).json()) as typeof events;
    expect(own.map((e) => e.event)).to.deep.equal(['labeled', 'assigned', 'closed', 'unlabeled', 'reopened']);
    expect(own[0]).to.not.have.property('issue');
  });

  it("takes the card's writes as the authorised account, and refuses them without write access or on a locked issue", async () => {
    gh.createIssue(REPO, { title: 'a', labels: ['bug'] });
    const send = (method: string, path: string, body?: unknown) =>
      fetch(gh.url + path, { method, headers: { authorization: `Bearer ${TOKEN}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const closed = (await (await send('PATCH', `/repos/${REPO}/issues/1`, { state: 'closed', state_reason: 'not_planned' })).json()) as {
      state: string;
      state_reason: string;
    };
    expect(closed).to.include({ state: 'closed', state_reason: 'not_planned' });
    const labels = (await (await send('POST', `/repos/${REPO}/issues/1/labels`, { labels: ['ui'] })).json()) as Array<{ name: string }>;
    expect(labels.map((l) => l.name)).to.deep.equal(['bug', 'ui']);
    expect((await send('DELETE', `/repos/${REPO}/issues/1/labels/nope`)).status).to.equal(404);
    const assigned = await send('POST', `/repos/${REPO}/issues/1/assignees`, { assignees: ['hubot', 'stranger'] });
    expect(assigned.status).to.equal(201);
    expect(
      ((await assigned.json()) as { assignees: Array<{ login: string }> }).assignees.map((a) => a.login),
      'GitHub drops users it cannot assign',
    ).to.deep.equal(['hubot']);
    expect(gh.events(REPO).map((e) => [e.event, e.actor.login])).to.deep.equal([
      ['closed', 'desk-bot'],
      ['labeled', 'desk-bot'],
      ['assigned', 'desk-bot'],
    ]);
    gh.setRepoWritable(REPO, false);
    const refused = await send('PATCH', `/repos/${REPO}/issues/1`, { state: 'open' });
    expect(refused.status).to.equal(403);
    gh.setRepoWritable(REPO, true);
    gh.editIssue(REPO, 1, { locked: true });
    const locked = await send('DELETE', `/repos/${REPO}/issues/1/labels/bug`);
    expect([locked.status, ((await locked.json()) as { message: string }).message]).to.deep.equal([403, 'Unable to update issue because issue is locked.']);
    gh.editIssue(REPO, 1, { locked: false });
    expect((await send('PATCH', `/repos/${REPO}/issues/1`, { state: 'shut' })).status).to.equal(422);
  });
});
