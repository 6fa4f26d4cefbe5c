import { expect } from 'chai';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { SENTINEL } from '../helpers/test-config.js';
import { startApp } from '../helpers/start-app.js';
import { createConnector } from '../../server/channel-factory.js';
import { replyKey, withMarker } from '../../server/connectors/github/marker.js';

const REPO = 'acme/widgets';

for (const transport of ['direct', 'invoke'] as const) {
  describe(`A reply is posted exactly once (${transport} transport)`, function () {
    this.timeout(60_000);
    let loop: ChannelLoop;
    let issue: number;
    beforeEach(async () => {
      loop = await startChannelLoop({ transport, configParams: { repositories: REPO, importSince: 'all' } });
      loop.gh.createRepo(REPO);
      issue = loop.gh.createIssue(REPO, { title: 'It crashes', body: 'On start', user: { login: 'alice', id: 201 } }).number;
      await loop.pullUntilQuiet();
    });
    afterEach(async () => loop.close());

    const mine = () => loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-reply'));

    it("posts the agent's HTML as Markdown and answers with the thread Desk expects", async () => {
      const out = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: '<div>Thanks, <b>fixed</b> in 1.2</div>', summary: 'Thanks, fixed in 1.2' });
      expect(out.ok, JSON.stringify(out.body)).to.equal(true);
      const thread = out.body as { extId: string; direction: string; extParentId: string; createdTime: string };
      expect(mine()).to.have.length(1);
      expect(mine()[0]!.body).to.match(/^Thanks, \*\*fixed\*\* in 1\.2\n\n<!-- zoho-desk-reply:[A-Za-z0-9_-]{22} -->$/);
      expect(thread).to.include({ extId: `${REPO}:c${mine()[0]!.id}`, extParentId: `${REPO}:${issue}`, direction: 'out' });
      expect(thread.createdTime).to.equal(new Date(Date.parse(mine()[0]!.created_at as string)).toISOString());
    });

    it('posts once when Desk sends the same reply again', async () => {
      const reply = { extParentId: `${REPO}:${issue}`, content: '<p>On it.</p>' };
      const first = await loop.desk.push(reply);
      const again = await loop.desk.push(reply);
      expect(mine()).to.have.length(1);
      expect((again.body as { extId: string }).extId).to.equal((first.body as { extId: string }).extId);
    });

    it('posts once when GitHub accepts the comment but the answer is lost', async () => {
      loop.gh.faults.add({ match: { method: 'POST', path: /\/comments$/ }, fault: { kind: 'dropResponse' } });
      const reply = { extParentId: `${REPO}:${issue}`, content: '<p>Lost answer</p>' };
      const first = await loop.desk.push(reply);
      // Either the server found its comment after the lost answer, or Desk retries: one comment either way.
      const final = first.ok ? first : await loop.desk.push(reply);
      expect(final.ok, JSON.stringify(final.body)).to.equal(true);
      expect(loop.gh.faults.applied.map((f) => f.fault.kind)).to.deep.equal(['dropResponse']);
      expect(mine()).to.have.length(1);
      expect((final.body as { extId: string }).extId).to.equal(`${REPO}:c${mine()[0]!.id}`);
    });

    it('keeps one comment when two replicas race on the same reply', async () => {
      const reply = { extParentId: `${REPO}:${issue}`, content: '<p>Racing</p>' };
      // A second replica: identical pushes on one server share one flight, across replicas they race.
      const second = await startApp(createConnector({ ...loop.config, deskApiUrl: loop.desk.url }, { now: loop.clock.now }), { ...loop.config, port: 0 });
      const pushTo = async (url: string) => {
        const res = await fetch(`${url}/desk/push?orgId=${loop.desk.orgId}&securityContext=${SENTINEL.securityContext}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ configParams: loop.desk.configParams, resource: reply }),
        });
        return { ok: res.ok, body: (await res.json()) as unknown };
      };
      // Both look-ups are held until both have arrived, so both miss each other's comment and both post.
      let release!: () => void;
      let arrived = 0;
      const bothArrived = new Promise<void>((r) => (release = r));
      loop.gh.faults.add({
        match: { method: 'GET', path: /\/issues\/\d+\/comments$/ },
        times: 2,
        fault: { kind: 'gate', release: bothArrived, arrived: () => void (++arrived === 2 && release()) },
      });
      const [a, b] = await Promise.all([pushTo(loop.server.url), pushTo(second.url)]).finally(() => second.close());
      expect(a.ok && b.ok, JSON.stringify([a, b])).to.equal(true);
      // Both posted (the race happened), and the younger comment was deleted.
      expect(loop.gh.requests.filter((r) => r.method === 'POST').length).to.equal(2);
      expect(loop.gh.requests.filter((r) => r.method === 'DELETE').length).to.be.at.least(1);
      expect(mine()).to.have.length(1);
      expect((a.body as { extId: string }).extId).to.equal((b.body as { extId: string }).extId);
    });

    it('does not bring the reply back as a customer message', async () => {
      const out = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: '<p>We shipped it</p>' });
      loop.gh.createComment(REPO, issue, { body: 'Works now, thanks!', user: { login: 'alice', id: 201 } });
      await loop.pullUntilQuiet();
      const replyId = (out.body as { extId: string }).extId;
      const threads = [...loop.desk.store.threads.values()].map((t) => t.object);
      expect(threads.filter((t) => t.extId === replyId)).to.have.length(1);
      expect(loop.desk.store.threads.get(replyId)!.object.direction).to.equal('out');
      expect(threads.filter((t) => t.direction === 'in' && t.content.includes('We shipped it'))).to.deep.equal([]);
      expect(threads.some((t) => t.content.includes('Works now'))).to.equal(true);
    });

    it('finds its comment when a same-second duplicate lands while the pages are read and pushes it a page further', async () => {
      // A busy issue: 299 comments, then ours. A replica's duplicate of the same reply, posted
      // in the same second between our read of page 1 and of the last page, sorts before ours
      // (GitHub leaves the order within a second open), so ours moves past the last page we
      // were told of. The lookup must read on, answer with the oldest and delete the other.
      for (let i = 0; i < 299; i++) loop.gh.createComment(REPO, issue, { body: `noise ${i}` });
      loop.clock.advance(1); // ours and the duplicate share the newest second, alone
      const markdown = 'Pages grow while they are read';
      const body = withMarker(markdown, replyKey(SENTINEL.secret, { orgId: loop.desk.orgId, ticket: `${REPO}#${issue}` }, markdown));
      const comments = { method: 'GET', path: `/repos/${REPO}/issues/${issue}/comments` };
      const now = Promise.resolve();
      const afterPageOne = () =>
        loop.gh.faults.add({
          match: comments,
          fault: {
            kind: 'gate',
            release: now,
            arrived: () => void loop.gh.createComment(REPO, issue, { body, user: { login: 'agent', id: 301 }, association: 'MEMBER' }),
          },
        });
      loop.gh.faults.add({
        match: { method: 'POST', path: comments.path },
        fault: {
          kind: 'gate',
          release: now,
          arrived: () => loop.gh.faults.add({ match: comments, fault: { kind: 'gate', release: now, arrived: afterPageOne } }),
        },
      });
      const out = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: `<p>${markdown}</p>` });
      expect(out.ok, JSON.stringify(out.body)).to.equal(true);
      const left = mine().filter((c) => c.body.startsWith(markdown));
      expect(left, 'one comment left').to.have.length(1);
      expect((out.body as { extId: string }).extId).to.equal(`${REPO}:c${left[0]!.id}`);
    });

    it('still knows the replies the first packages posted, whose ticket extId had a #', async () => {
      const markdown = 'Posted before the extIds changed';
      const body = withMarker(markdown, replyKey(SENTINEL.secret, { orgId: loop.desk.orgId, ticket: `${REPO}#${issue}` }, markdown));
      const old = loop.gh.createComment(REPO, issue, { body, user: { login: 'agent', id: 301 }, association: 'MEMBER' });
      await loop.pullUntilQuiet();
      expect(loop.desk.store.threads.has(`${REPO}:c${old.id}`), 'not imported back as a message').to.equal(false);
      const again = await loop.desk.push({ extParentId: `${REPO}#${issue}`, content: `<p>${markdown}</p>` });
      expect(again.ok, `the answer names the ticket as Desk knows it: ${JSON.stringify(again.rejected ?? again.body)}`).to.equal(true);
      expect(again.body, 'a retry across the change finds the old comment').to.include({ extId: `${REPO}:c${old.id}`, extParentId: `${REPO}#${issue}` });
      expect(mine()).to.have.length(1);
    });

    it('refuses replies to a locked issue, a deleted issue, a missing repository and a foreign repository clearly', async () => {
      loop.gh.editIssue(REPO, issue, { locked: true });
      const locked = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: '<p>x</p>' });
      expect([locked.status, (locked.body as { code: string }).code]).to.deep.equal([409, 'ISSUE_LOCKED']);

      const other = loop.gh.createIssue(REPO, { title: 'Soon gone' }).number;
      loop.gh.deleteIssue(REPO, other);
      const deleted = await loop.desk.push({ extParentId: `${REPO}:${other}`, content: '<p>x</p>' });
      expect([deleted.status, (deleted.body as { code: string }).code]).to.deep.equal([410, 'ISSUE_NOT_FOUND']);

      const missing = await loop.desk.push({ extParentId: `${REPO}:999`, content: '<p>x</p>' });
      expect((missing.body as { code: string }).code).to.equal('ISSUE_NOT_FOUND');

      loop.gh.deleteRepo(REPO);
      const gone = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: '<p>x</p>' });
      expect((gone.body as { code: string }).code).to.equal('SOURCE_NOT_FOUND');

      const foreign = await loop.desk.push({ extParentId: 'evil/repo:1', content: '<p>x</p>' });
      expect([foreign.status, (foreign.body as { code: string }).code]).to.deep.equal([422, 'REPLY_TARGET_INVALID']);
      const empty = await loop.desk.push({ extParentId: `${REPO}:${issue}`, content: '<div><br></div>' });
      expect((empty.body as { code: string }).code).to.equal('REPLY_EMPTY');
      for (const secret of Object.values(SENTINEL)) expect(JSON.stringify([locked, deleted, missing, gone, foreign, empty])).not.to.include(secret);
    });
  });
}
