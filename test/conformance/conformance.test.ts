import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { createConnector } from '../../server/channel-factory.js';
import { validators } from '../../server/desk/schemas.js';
import { asPairs, fillBody, requestShapes, withShapeQuery, type RequestShape } from '../../sandbox/desk-simulator/request-shapes.js';
import { startApp } from '../helpers/start-app.js';
import { TestClock } from '../helpers/clock.js';
import { SENTINEL, testConfig } from '../helpers/test-config.js';

/*
 * The conformance corpus: every request shape of resources/desk-shapes/ (one file per
 * shape Desk's docs or Zoho's samples show, each naming its source) sent to the real
 * server over HTTP, with the URL key in the URL as `npm run pack` writes it. A push that
 * is answered 200 must have posted exactly one comment, on the issue it names.
 * docs/desk-compatibility.md is the table of the same facts.
 */
const REPO = 'acme/widgets';
const ORG = '60012345';

describe('Conformance: every request shape Desk or its samples use gets the right answer', function () {
  this.timeout(60_000);
  let gh: FakeGitHub;
  let app: Awaited<ReturnType<typeof startApp>>;
  let issue: number;
  let comment: number;

  before(async () => {
    const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
    gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
    gh.createRepo(REPO);
    issue = gh.createIssue(REPO, { title: 'It crashes on start', body: 'Steps…', user: { login: 'octocat', id: 583231 } }).number;
    comment = gh.createComment(REPO, issue, { body: 'Same here', user: { login: 'hubot', id: 480938 } }).id;
    const config = testConfig({ upstream: { apiUrl: gh.url, webUrl: 'https://github.com' }, deskUrlKey: SENTINEL.urlKey });
    app = await startApp(createConnector(config, { now: clock.now }), config);
    // Past the settle horizon, so a pull brings the issue.
    clock.advance(60);
  });
  after(async () => {
    await app?.close();
    await gh?.close();
  });

  const vars = (shape: RequestShape) => {
    const configParams = { repositories: REPO, labels: null, import_since: 'all', channelState: null };
    return {
      orgId: ORG,
      orgIdNumber: Number(ORG),
      securityContext: SENTINEL.securityContext,
      key: SENTINEL.urlKey,
      repositories: REPO,
      configParams,
      configParamPairs: asPairs(configParams),
      ticket: `${REPO}:${issue}`,
      bodyThread: `${REPO}:${issue}:body`,
      commentThread: `${REPO}:c${comment}`,
      thread: `${REPO}:c${comment}`,
      legacyTicket: `${REPO}#${issue}`,
      legacyCommentThread: `${REPO}#c${comment}`,
      actor: 'gh-user:583231:octocat',
      login: 'octocat',
      content: `<p>Thanks: a fix is on the way (<b>${shape.id}</b>)</p>`,
      summary: `Thanks: a fix is on the way (${shape.id})`,
      issueUrl: `https://github.com/${REPO}/issues/${issue}`,
      commentUrl: `https://github.com/${REPO}/issues/${issue}#issuecomment-${comment}`,
      profileUrl: 'https://github.com/octocat',
    };
  };
  const routeUrl = (shape: RequestShape) => {
    const path = shape.route === 'callback' ? `/desk/callbacks/${shape.event}` : `/desk/${shape.route}`;
    return withShapeQuery(`${app.url}${path}?key=${SENTINEL.urlKey}`, shape, vars(shape));
  };
  const ours = () => gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-reply'));

  for (const shape of requestShapes()) {
    it(`${shape.id}: ${shape.behaviour}`, async () => {
      const v = vars(shape);
      const url = routeUrl(shape);
      const body = shape.body === undefined ? undefined : JSON.stringify(fillBody(shape.body, v));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (shape.hash === 'body')
        headers.hash = createHmac('sha256', SENTINEL.secret)
          .update(body ?? '')
          .digest('hex');
      if (shape.hash === 'other') headers.hash = createHmac('sha256', SENTINEL.secret).update(`event=${shape.event}&orgId=${ORG}`).digest('hex');
      const before = ours().length;

      const res = shape.route === 'redirect' ? await fetch(url, { redirect: 'manual' }) : await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).to.equal(shape.expect.status);
      const answer = res.status === 302 ? undefined : (JSON.parse(text) as Record<string, unknown>);
      if (shape.expect.code) expect(answer?.code).to.equal(shape.expect.code);
      if (shape.expect.location) expect(res.headers.get('location')).to.equal(fillBody(shape.expect.location, v));
      if (shape.expect.acted !== undefined) expect(answer?.acted).to.equal(shape.expect.acted);

      if (shape.route === 'pull' && res.status === 200) {
        expect(validators.sync(answer), JSON.stringify(validators.sync.errors)).to.equal(true);
        const tickets = (answer as { data: { tickets: Array<{ extId: string }> } }).data.tickets;
        if (shape.expect.tickets !== undefined) expect(tickets.map((t) => t.extId)).to.deep.equal(shape.expect.tickets ? [`${REPO}:${issue}`] : []);
      }
      if (shape.route === 'push') {
        const made = ours().slice(before);
        expect(made, 'comments posted').to.have.length(shape.expect.comments ?? (res.status === 200 ? 1 : 0));
        if (res.status === 200) {
          expect(made[0]!.issue_url).to.match(new RegExp(`/issues/${issue}$`));
          // Exact in what we send: a whole thread, whatever shape the push came in.
          // A ticket named in the first packages' form is answered in that form: it is Desk's ticket.
          const ticket = shape.id === 'push-legacy-ticket-id' ? `${REPO}#${issue}` : `${REPO}:${issue}`;
          expect(answer).to.include({ extId: `${REPO}:c${made[0]!.id}`, extParentId: ticket, direction: 'out', contentType: 'text/html' });
          expect(validators.pushResponse(answer)).to.equal(true);
        }
      }
    });
  }

  it('covers every route, and names a source for every shape', () => {
    const shapes = requestShapes();
    expect(new Set(shapes.map((s) => s.route))).to.deep.equal(new Set(['pull', 'push', 'redirect', 'callback']));
    for (const s of shapes) expect(s.source.length, s.id).to.be.greaterThan(10);
    for (const route of ['pull', 'push'] as const)
      expect(
        shapes.filter((s) => s.route === route && s.documented),
        route,
      ).to.have.length(1);
  });
});
