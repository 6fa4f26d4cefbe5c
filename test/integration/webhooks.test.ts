import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { SENTINEL } from '../helpers/test-config.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import { deliveryHeaders } from '../../sandbox/fake-github/hooks.js';
import { hookKeys, hookSecret } from '../../server/connectors/github/webhooks/seal.js';
import type { ChannelState } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';

/** A repository's webhook record: the GitHub connector's, stored beside its cursor. */
const hookRecord = (state: ChannelState, repo: string) => (state.r[repo] as RepoCursor | undefined)?.w;

const REPO = 'acme/widgets';
const OTHER = 'acme/gadgets';

/** POSTs a delivery as GitHub would, to any URL, with any secret. */
async function deliver(url: string, o: { event: string; body: string; secret: string; id?: string; hook?: number }) {
  const headers = deliveryHeaders({ id: o.hook ?? 1, secret: o.secret }, { id: o.id ?? crypto.randomUUID(), event: o.event }, o.body);
  const res = await fetch(url, { method: 'POST', headers, body: o.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const hooksOf = (loop: WebhookLoop, repo: string) => loop.gh.hooks.hooks.get(repo) ?? [];
const hookRequests = (loop: WebhookLoop) => loop.gh.requests.filter((r) => r.path.includes('/hooks'));

describe('Webhooks: GitHub deliveries into Desk between pulls', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  it('registers exactly one hook per repository, with nothing readable in its URL, and imports a new issue and comment without a pull', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    await loop.pullUntilQuiet();
    for (const repo of [REPO, OTHER]) {
      const hooks = hooksOf(loop, repo);
      expect(hooks, repo).to.have.length(1);
      expect(hooks[0]!.events.sort()).to.deep.equal(['issue_comment', 'issues']);
      expect(hooks[0]!.contentType).to.equal('json');
      expect(hooks[0]!.secret).to.have.length.above(30);
      for (const secret of [SENTINEL.securityContext, loop.desk.orgId, repo, 'widgets']) expect(hooks[0]!.url).to.not.include(secret);
    }
    const before = hookRequests(loop).length;
    await loop.pull();
    await loop.pull();
    expect(hookRequests(loop).length, 'a hook that is right is not asked about again within a day').to.equal(before);

    const issue = loop.gh.createIssue(REPO, { title: 'Live issue', body: 'It *breaks*' });
    await loop.settle();
    expect(loop.desk.store.tickets.has(`${REPO}:${issue.number}`)).to.equal(true);
    expect(loop.desk.store.threads.get(`${REPO}:${issue.number}:body`)?.object.content).to.include('It *breaks*');
    const c = loop.gh.createComment(REPO, issue.number, { body: 'me too' });
    await loop.settle();
    const thread = loop.desk.store.threads.get(`${REPO}:c${c.id}`)?.object;
    expect(thread?.direction).to.equal('in');
    expect(
      loop.desk.importLog.every((e) => e.status === 200),
      JSON.stringify(loop.desk.importLog),
    ).to.equal(true);
    expect(loop.gh.hooks.deliveries.every((d) => d.status === 202)).to.equal(true);
    expect(loop.log.text).to.not.include(SENTINEL.securityContext);
    // The next pull re-sends them with GitHub's rendering: updates of the same extIds.
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO, OTHER], storyThreads: false });
  });

  it('refuses forged, tampered, moved and oversized deliveries with a 4xx and imports nothing', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    await loop.pullUntilQuiet();
    loop.gh.hooks.drop = true;
    const issue = loop.gh.createIssue(REPO, { title: 'x' });
    const body = JSON.stringify(
      loop.gh.hooks.payload({ repo: REPO, event: 'issues', action: 'opened', issue: issue.number, sender: { login: 'octocat', id: 1 } }),
    );
    const hook = hooksOf(loop, REPO)[0]!;
    const other = hooksOf(loop, OTHER)[0]!;
    const imports = loop.desk.importLog.length;

    expect((await deliver(hook.url, { event: 'issues', body, secret: 'guessed' })).status, 'forged').to.equal(401);
    expect((await deliver(hook.url, { event: 'issues', body: body.replace('"x"', '"y"'), secret: 'guessed' })).status).to.equal(401);
    const tampered = await fetch(hook.url, {
      method: 'POST',
      headers: { ...deliveryHeaders(hook, { id: 'a1', event: 'issues' }, body) },
      body: body.replace('"x"', '"y"'),
    });
    expect(tampered.status, 'body changed after signing').to.equal(401);
    expect((await deliver(other.url, { event: 'issues', body, secret: hook.secret })).status, "replayed at another repository's hook").to.equal(401);
    // A valid signature (the secret follows from the public hook id) over a token changed in one character.
    const [prefix, token] = [hook.url.slice(0, hook.url.lastIndexOf('/') + 1), hook.url.slice(hook.url.lastIndexOf('/') + 1)];
    const flipped = `${prefix}${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    expect((await deliver(flipped, { event: 'issues', body, secret: hook.secret })).status, 'tampered token').to.equal(404);
    // The token of one repository under the hook id of another: the hook id's secret signs, GCM refuses.
    const otherId = other.url.split('/').at(-2)!;
    const moved = `${prefix.replace(/[^/]+\/$/, `${otherId}/`)}${token}`;
    expect(
      (await deliver(moved, { event: 'issues', body, secret: hookSecret(hookKeys(SENTINEL.secret), otherId) })).status,
      'token under another hook id',
    ).to.equal(404);
    // The right hook, signed right, but about another repository.
    const elsewhere = body.replaceAll('acme/widgets', 'acme/gadgets');
    expect((await deliver(hook.url, { event: 'issues', body: elsewhere, secret: hook.secret })).status, 'another repository').to.equal(422);
    const big = JSON.stringify({ ...JSON.parse(body), pad: 'x'.repeat(600 * 1024) });
    expect((await deliver(hook.url, { event: 'issues', body: big, secret: hook.secret })).status, 'oversized').to.equal(413);
    expect((await deliver(hook.url, { event: 'issues', body: '{"a":', secret: hook.secret })).status, 'not JSON').to.equal(400);
    expect((await deliver(`${prefix}short`, { event: 'issues', body, secret: hook.secret })).status).to.equal(404);
    const form = await fetch(hook.url, {
      method: 'POST',
      headers: { ...deliveryHeaders(hook, { id: 'f1', event: 'issues' }, body), 'content-type': 'application/x-www-form-urlencoded' },
      body: `payload=${encodeURIComponent(body)}`,
    });
    expect(form.status, 'a form-encoded delivery').to.equal(415);
    // A genuine delivery replayed an hour and more later does nothing (the pull has the item).
    loop.clock.advance(3601);
    expect((await deliver(hook.url, { event: 'issues', body, secret: hook.secret })).body.ignored).to.equal('older than an hour');
    loop.clock.advance(-3601);
    await loop.server.webhooks!.coalescer.idle();
    expect(loop.desk.importLog.length, 'nothing was imported').to.equal(imports);
    expect(loop.log.text, 'the sealed token is never logged').to.not.include(token.slice(0, 40));
    expect(loop.desk.store.tickets.has(`${REPO}:${issue.number}`)).to.equal(false);

    expect(
      (await deliver(hook.url, { event: 'ping', body: JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: hook.id }), secret: hook.secret })).status,
    ).to.equal(200);
    expect(
      (await deliver(hook.url, { event: 'star', body: JSON.stringify({ action: 'created', repository: { full_name: REPO } }), secret: hook.secret })).status,
      'unmapped event',
    ).to.equal(202);
  });

  it('loses nothing when deliveries are lost mid-burst, and a duplicated or reordered delivery changes nothing', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    const issues = [];
    for (let i = 0; i < 20; i++) {
      if (i === 10) loop.gh.hooks.drop = true; // the webhook path dies mid-burst
      const issue = loop.gh.createIssue(REPO, { title: `burst ${i}` });
      loop.gh.createComment(REPO, issue.number, { body: `comment ${i}` });
      issues.push(issue);
    }
    await loop.settle();
    expect(loop.desk.store.tickets.size).to.equal(10);
    expect(loop.desk.importLog.length, 'a burst is coalesced into few imports').to.be.below(10);
    loop.gh.hooks.drop = false;
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storyThreads: false });
    const created = loop.desk.store.history.filter((h) => h.op === 'create').length;

    // GitHub's redelivery (same X-GitHub-Delivery) and an old edit arriving after a newer one.
    const hook = hooksOf(loop, REPO)[0]!;
    const c = loop.gh.comments(REPO)[0]!;
    loop.gh.hooks.drop = true;
    loop.gh.editComment(REPO, c.id, 'first edit');
    const old = JSON.stringify(
      loop.gh.hooks.payload({
        repo: REPO,
        event: 'issue_comment',
        action: 'edited',
        issue: issues[0]!.number,
        comment: c.id,
        sender: { login: 'octocat', id: 1 },
      }),
    );
    loop.clock.advance(5);
    loop.gh.editComment(REPO, c.id, 'second edit');
    const newer = JSON.stringify(
      loop.gh.hooks.payload({
        repo: REPO,
        event: 'issue_comment',
        action: 'edited',
        issue: issues[0]!.number,
        comment: c.id,
        sender: { login: 'octocat', id: 1 },
      }),
    );
    expect((await deliver(hook.url, { event: 'issue_comment', body: newer, secret: hook.secret, id: 'd-new' })).status).to.equal(202);
    expect((await deliver(hook.url, { event: 'issue_comment', body: old, secret: hook.secret, id: 'd-old' })).status).to.equal(202);
    await loop.server.webhooks!.coalescer.idle();
    const again = await deliver(hook.url, { event: 'issue_comment', body: newer, secret: hook.secret, id: 'd-new' });
    expect(again.body.duplicate).to.equal(true);
    expect(loop.desk.store.threads.get(`${REPO}:c${c.id}`)?.object.content).to.include('second edit');
    expect(loop.desk.store.history.filter((h) => h.op === 'create').length, 'nothing created twice').to.equal(created);
  });

  it('takes the labels and pull-request settings, never imports our own replies as customer messages, and sends the ticket with a comment Desk has not seen', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO, labels: 'support' } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    const unlabelled = loop.gh.createIssue(REPO, { title: 'no label' });
    const pr = loop.gh.createIssue(REPO, { title: 'a PR', labels: ['support'], pullRequest: true });
    loop.gh.createComment(REPO, pr.number, { body: 'on the PR' });
    await loop.settle();
    expect(loop.desk.store.tickets.size, 'filtered out').to.equal(0);
    expect(loop.desk.importLog).to.have.length(0);
    // The issue gains the label while the webhook path is down: its first delivery is a comment.
    loop.gh.hooks.drop = true;
    loop.gh.editIssue(REPO, unlabelled.number, { labels: ['support'] });
    loop.gh.hooks.drop = false;
    const c = loop.gh.createComment(REPO, unlabelled.number, { body: 'comment first' });
    await loop.settle();
    expect(loop.desk.store.threads.has(`${REPO}:c${c.id}`)).to.equal(true);
    expect(loop.desk.store.tickets.has(`${REPO}:${unlabelled.number}`), 'the ticket came with the comment (parent first)').to.equal(true);
    expect(loop.desk.store.rejections).to.have.length(0);

    // An agent's reply from Desk comes back from GitHub as a delivery: not imported as `in`.
    const before = loop.desk.importLog.length;
    const sent = loop.gh.hooks.deliveries.length;
    const reply = await loop.desk.push({ extParentId: `${REPO}:${unlabelled.number}`, content: '<p>We are on it</p>' });
    expect(reply.ok, JSON.stringify(reply)).to.equal(true);
    await loop.settle();
    expect(loop.desk.importLog.length, 'our own reply is ignored').to.equal(before);
    expect(loop.gh.hooks.deliveries.length, 'GitHub told us of the reply').to.equal(sent + 1);
    expect(loop.gh.hooks.deliveries.at(-1)?.status).to.equal(202);
    expect([...loop.desk.store.threads.values()].filter((t) => t.object.direction === 'in' && t.object.content.includes('We are on it'))).to.have.length(0);
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, {
      token: SENTINEL.token,
      repos: [REPO],
      labels: ['support'],
      ownReplies: new Set(
        loop.gh
          .comments(REPO)
          .filter((x) => x.body.includes('zoho-desk-reply'))
          .map((x) => `${REPO}:c${x.id}`),
      ),
      storyThreads: false,
    });
  });

  it('a delivery during a pull and the pull sending the same items are updates of the same extIds', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    let release!: () => void;
    let arrived!: () => void;
    const inPull = new Promise<void>((r) => (arrived = r));
    loop.gh.faults.add({
      match: { method: 'GET', path: `/repos/${REPO}/issues` },
      fault: { kind: 'gate', release: new Promise<void>((r) => (release = r)), arrived },
    });
    const issue = loop.gh.createIssue(REPO, { title: 'both ways' });
    await loop.settle();
    loop.clock.advance(10);
    const pulling = loop.desk.pullOnce();
    await inPull;
    loop.gh.createComment(REPO, issue.number, { body: 'while the pull reads' });
    await loop.settle();
    release();
    expect((await pulling).ok).to.equal(true);
    await loop.pullUntilQuiet();
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storyThreads: false });
    expect(loop.desk.store.history.filter((h) => h.op === 'create')).to.have.length(3);
  });

  it('without admin rights on a repository: polling only, said in the state, asked again after a day', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    loop.gh.hooks.noAdmin.add(OTHER);
    await loop.pullUntilQuiet();
    const state = decodeChannelState(loop.desk.channelState).state!;
    expect(hookRecord(state, OTHER)).to.include({ p: 'admin' });
    expect(hookRecord(state, REPO)?.i).to.be.a('number');
    const asked = () => loop.gh.requests.filter((r) => r.path.startsWith(`/repos/${OTHER}/hooks`)).length;
    const first = asked();
    await loop.pull();
    expect(asked(), 'not asked again within the day').to.equal(first);
    loop.gh.createIssue(OTHER, { title: 'by pull' });
    await loop.pullUntilQuiet();
    expect(loop.desk.store.tickets.has(`${OTHER}:1`), 'the sync goes on by pull').to.equal(true);
    loop.gh.hooks.noAdmin.delete(OTHER);
    loop.clock.advance(86_400);
    await loop.pull();
    expect(asked()).to.be.above(first);
    expect(hooksOf(loop, OTHER)).to.have.length(1);
    expect(hookRecord(decodeChannelState(loop.desk.channelState).state!, OTHER)?.p).to.equal(undefined);
  });

  it('repairs its hook (one PATCH, never a second hook) and removes it when the repository leaves the settings', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` }, rotate: 'every-pull' });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    await loop.pull();
    const count = (method: string) => loop.gh.requests.filter((r) => r.method === method && r.path.includes('/hooks')).length;
    const patches = count('PATCH');
    for (let i = 0; i < 3; i++) await loop.pull();
    expect(count('PATCH') - patches, 'a new securityContext every pull: one PATCH per repository per pull').to.equal(6);
    const gets = loop.gh.requests.filter((r) => r.method === 'GET' && r.path.includes('/hooks'));
    expect(gets.filter((r) => /\/hooks$/.test(r.path)).length, 'no listing while the hook id is known').to.equal(2);
    expect(gets.filter((r) => /\/hooks\/\d+$/.test(r.path)).length, 'each PATCH first reads the hook: ours by its URL, not by the state').to.equal(6);
    for (const repo of [REPO, OTHER]) expect(hooksOf(loop, repo)).to.have.length(1);
    // The hook still works with the latest securityContext.
    loop.gh.createIssue(REPO, { title: 'after rotation' });
    await loop.settle();
    expect(loop.desk.importLog.at(-1)?.status).to.equal(200);
    // A hook deleted on GitHub is created again; one added twice by hand is cut back to one.
    loop.gh.hooks.hooks.set(REPO, []);
    await loop.pull();
    expect(hooksOf(loop, REPO)).to.have.length(1);
    hooksOf(loop, REPO).push({ ...hooksOf(loop, REPO)[0]!, id: 999 });
    loop.clock.advance(86_400);
    await loop.pull();
    expect(
      hooksOf(loop, REPO).map((h) => h.id),
      'the daily check keeps one',
    ).to.have.length(1);
    loop.desk.configParams.repositories = REPO;
    // GitHub refuses the first removal: the hook is kept in the state and removed at the next pull.
    loop.gh.faults.add({ match: { method: 'DELETE', path: new RegExp(`^/repos/${OTHER}/hooks/`) }, fault: { kind: 'status', status: 502 } });
    await loop.pull();
    expect(hooksOf(loop, OTHER), 'still there after a failed removal').to.have.length(1);
    expect(hookRecord(decodeChannelState(loop.desk.channelState).state!, OTHER)?.i).to.equal(hooksOf(loop, OTHER)[0]!.id);
    await loop.pull();
    expect(hooksOf(loop, OTHER), 'removed with the repository').to.have.length(0);
    expect(decodeChannelState(loop.desk.channelState).state!.r[OTHER], 'and forgotten').to.equal(undefined);
    expect(hooksOf(loop, REPO)).to.have.length(1);
  });

  it('drops deliveries through an old hook URL a repository admin restored (its sealed filter is out of date), and the next pull repairs the hook', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    const unfiltered = hooksOf(loop, REPO)[0]!.url;
    loop.desk.configParams.labels = 'support';
    await loop.pullUntilQuiet();
    const filtered = hooksOf(loop, REPO)[0]!.url;
    expect(filtered, 'the labels filter is sealed into a new URL').to.not.equal(unfiltered);
    // An hour later a repository admin puts the old URL, sealed with no labels filter, back.
    loop.clock.advance(3600);
    hooksOf(loop, REPO)[0]!.url = unfiltered;
    const unlabelled = loop.gh.createIssue(REPO, { title: 'no support label' });
    await loop.settle();
    expect(loop.desk.store.tickets.has(`${REPO}:${unlabelled.number}`), 'outside the labels filter: not imported').to.equal(false);
    expect(
      loop.log.lines.filter((l) => l.includes('old URL of our hook')),
      'said once',
    ).to.have.length(1);
    loop.gh.createIssue(REPO, { title: 'another, also without the label' });
    await loop.settle();
    expect(loop.log.lines.filter((l) => l.includes('old URL of our hook'))).to.have.length(1);
    // The next pull checks the hook with GitHub, whatever its day-old record says, and repairs it.
    await loop.pull();
    expect(hooksOf(loop, REPO)[0]!.url).to.equal(filtered);
    const labelled = loop.gh.createIssue(REPO, { title: 'labelled', labels: ['support'] });
    await loop.settle();
    expect(loop.desk.store.tickets.has(`${REPO}:${labelled.number}`), 'through the repaired URL, without a pull').to.equal(true);
    expect(loop.desk.store.tickets.has(`${REPO}:${unlabelled.number}`)).to.equal(false);
  });

  /**
   * Desk's 4-minute cadence over one simulated day (the fake clock), after the pull that
   * made the hooks: the GitHub hook requests each repository costs, by method.
   */
  async function hookRequestsOverADay(rotate: 'never' | 'daily'): Promise<Record<string, Record<string, number>>> {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` }, rotate });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    await loop.pull();
    for (const repo of [REPO, OTHER]) expect(hooksOf(loop, repo)).to.have.length(1);
    const before = hookRequests(loop).length;
    for (let i = 0; i < 86_400 / 240; i++) {
      loop.clock.advance(240);
      const out = await loop.desk.pullOnce();
      expect(out.ok, `pull ${i}`).to.equal(true);
    }
    const perRepo: Record<string, Record<string, number>> = { [REPO]: {}, [OTHER]: {} };
    for (const r of hookRequests(loop).slice(before)) {
      const repo = /^\/repos\/([^/]+\/[^/]+)\//.exec(r.path)![1]!;
      perRepo[repo]![r.method] = (perRepo[repo]![r.method] ?? 0) + 1;
    }
    for (const repo of [REPO, OTHER]) expect(hooksOf(loop, repo), 'still one hook').to.have.length(1);
    return perRepo;
  }

  it('over a simulated day without rotation: one listing per repository (the daily check), nothing else', async () => {
    const day = await hookRequestsOverADay('never');
    for (const repo of [REPO, OTHER]) expect(day[repo], repo).to.deep.equal({ GET: 1 });
  });

  it('over a simulated day with a daily rotation: one PATCH per repository, beside the daily listing', async () => {
    const day = await hookRequestsOverADay('daily');
    for (const repo of [REPO, OTHER]) expect(day[repo], repo).to.deep.equal({ GET: 1, PATCH: 1 });
    // The repaired hook takes deliveries with the new securityContext.
    loop.gh.createIssue(REPO, { title: 'after the daily rotation' });
    await loop.settle();
    expect(loop.desk.importLog.at(-1)?.status).to.equal(200);
  });

  it('removes its hooks on a verified onUninstall, and not on an unverified one', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: `${REPO},${OTHER}` } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(OTHER);
    await loop.pull();
    // Someone else's hook on the repository is never touched.
    loop.gh.hooks.hooks
      .get(REPO)!
      .push({ id: 5, url: 'https://ci.example/hook', secret: 's', contentType: 'json', events: ['push'], active: true, createdAt: 0, updatedAt: 0 });
    const forged = await loop.desk.sendCallback('onUninstall', { configParams: { repositories: `${REPO},${OTHER}` } }, { badHash: true });
    expect(forged.status).to.equal(200);
    expect((forged.body as { acted: boolean }).acted, 'an unverified callback is not acted on').to.equal(false);
    // The removal runs after the answer: wait for the fake's hook writes (a signal, not a time).
    const removed = (async () => {
      while (hooksOf(loop, OTHER).length > 0 || hooksOf(loop, REPO).length > 1) await loop.gh.hooks.nextChange();
    })();
    const answered = await loop.desk.sendCallback('onUninstall', { configParams: { repositories: `${REPO},${OTHER}` } });
    expect(answered.status).to.equal(200);
    await removed;
    expect(hooksOf(loop, REPO).map((h) => h.url)).to.deep.equal(['https://ci.example/hook']);
    expect(hooksOf(loop, OTHER)).to.have.length(0);
    expect(loop.log.text).to.include('webhook removed');
  });

  it('a securityContext rotated between pulls: deliveries fail at Desk, logged once, the next pull brings their items and repairs the hook', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    await loop.pullUntilQuiet();
    loop.desk.rotateSecurityContext();
    const a = loop.gh.createIssue(REPO, { title: 'during the gap' });
    loop.gh.createComment(REPO, a.number, { body: 'also in the gap' });
    await loop.settle();
    expect(loop.imports.map((r) => [r.ok, r.code])).to.deep.include([false, 'DESK_CONTEXT_EXPIRED']);
    expect(loop.desk.store.tickets.has(`${REPO}:${a.number}`)).to.equal(false);
    expect(loop.log.text.split('\n').filter((l) => l.includes('DESK_CONTEXT_EXPIRED')).length, 'one line per failed import').to.equal(
      loop.imports.filter((r) => !r.ok).length,
    );
    const patches = loop.gh.requests.filter((r) => r.method === 'PATCH').length;
    await loop.pullUntilQuiet();
    expect(loop.desk.store.tickets.has(`${REPO}:${a.number}`), 'the pull brought it').to.equal(true);
    expect(loop.gh.requests.filter((r) => r.method === 'PATCH').length - patches, 'one repair').to.equal(1);
    const b = loop.gh.createIssue(REPO, { title: 'after the repair' });
    await loop.settle();
    expect(loop.desk.store.tickets.has(`${REPO}:${b.number}`), 'live again').to.equal(true);
    await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storyThreads: false });
  });

  it('a hooks API that hangs never holds the pull past its deadline', async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO }, pull: { timeBudgetMs: 300 } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: 'still synced' });
    let release!: () => void;
    loop.gh.faults.add({ match: { method: 'GET', path: `/repos/${REPO}/hooks` }, fault: { kind: 'gate', release: new Promise<void>((r) => (release = r)) } });
    const out = await loop.pull();
    release();
    expect(out.ok).to.equal(true);
    expect(loop.desk.store.tickets.has(`${REPO}:1`), 'the pull answered with its items').to.equal(true);
    expect(loop.log.text).to.include('webhook check not done by the end of the pull');
    await loop.pullUntilQuiet();
    expect(hooksOf(loop, REPO), 'the next pull finds the hook the late check made, or makes one').to.have.length(1);
  });
});
