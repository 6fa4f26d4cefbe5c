import { expect } from 'chai';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { formatLinks, parseLinks } from '../../server/escalation/links.js';
import type { DeskTicketRecord } from '../../sandbox/desk-simulator/tickets-api.js';

const REPO = 'acme/widgets';
const PARAMS = {
  repositories: REPO,
  links_in_use: 'yes',
  loop_closed_status: 'Fixed - tell customer',
  loop_reopen_status: 'Open',
  loop_draft_template: 'Good news: “{{issue.title}}” is fixed.\nDetails: {{issue.url}}',
  loop_from_address: 'support@example.com',
};
const MAINTAINER = { login: 'maint-1', id: 77 };

/** What the card writes when an agent links a ticket to an open issue (links.ts). */
function link(t: DeskTicketRecord, repoId: number, number: number): void {
  t.cf.cf_github_issues = formatLinks([...parseLinks(t.cf.cf_github_issues ?? ''), { repoId, number, ack: { kind: 'o' } }]);
}

const notes = (t: DeskTicketRecord) => t.comments.filter((c) => !c.isPublic && c.content.includes('gh-loop:'));

describe('escalation: closing the loop over real HTTP (fake GitHub, channel server, Desk simulator)', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  let repoId: number;
  let number: number;
  let email: DeskTicketRecord;
  let chat: DeskTicketRecord;

  beforeEach(async () => {
    loop = await startWebhookLoop({ configParams: { ...PARAMS } });
    loop.gh.createRepo(REPO);
    repoId = loop.gh.repoId(REPO);
    number = loop.gh.createIssue(REPO, { title: 'Export <b>fails</b> & "crashes"', body: 'stack trace' }).number;
    email = loop.desk.desk.createTicket({ subject: 'Export broken', channel: 'EMAIL', email: 'jane.doe@customer.example', contactName: 'Jane Doe' });
    chat = loop.desk.desk.createTicket({ subject: 'export?', channel: 'CHAT', contactName: 'Max' });
    link(email, repoId, number);
    link(chat, repoId, number);
    await loop.pullUntilQuiet();
    await loop.settle();
  });
  afterEach(() => loop.close());

  it('counts the linked tickets on the issue, a number only, in one comment of ours', () => {
    const ours = loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-count'));
    expect(ours).to.have.length(1);
    expect(ours[0]!.body).to.match(/^\*\*2 help-desk tickets are linked to this issue\.\*\*/);
    for (const secret of ['Jane', 'jane.doe', 'customer.example', 'Export broken', email.id, email.ticketNumber, loop.desk.orgId])
      expect(ours[0]!.body).not.to.include(secret);
    // Our count never comes back into Desk as a customer's comment.
    expect([...loop.desk.store.threads.values()].some((t) => String(t.object.content).includes('help-desk ticket'))).to.equal(false);
  });

  it('a close as completed tells each linked ticket once: private comment, status, draft; by delivery within the delivery', async () => {
    loop.gh.editIssue(REPO, number, { state: 'closed', stateReason: 'completed', commitId: 'abc1234def5678' }, MAINTAINER);
    await loop.settle();
    for (const t of [email, chat]) {
      expect(notes(t), t.channel).to.have.length(1);
      const note = notes(t)[0]!.content;
      expect(note).to.include('was closed as completed by maint-1');
      expect(note).to.include('/commit/abc1234def5678">abc1234</a>');
      expect(note).to.include('Export &lt;b&gt;fails&lt;/b&gt; &amp; &quot;crashes&quot;');
      expect(t.status).to.equal('Fixed - tell customer');
      expect(t.drafts).to.have.length(1);
      expect(t.drafts[0]!.channel).to.equal(t.channel);
      expect(t.drafts[0]!.content).to.include('Good news: “Export &lt;b&gt;fails&lt;/b&gt; &amp; &quot;crashes&quot;” is fixed.<br>Details: http');
      expect(t.drafts[0]!.fromEmailAddress).to.equal('support@example.com');
      const [l] = parseLinks(t.cf.cf_github_issues);
      expect(l!.ack).to.deep.include({ kind: 'c', moved: true });
    }
    // Pulls and a redelivery afterwards change nothing.
    const delivered = loop.gh.hooks.deliveries.filter((d) => d.event === 'issues' && d.action === 'closed').at(-1)!;
    const again = await fetch(delivered.url, { method: 'POST', headers: delivered.headers, body: delivered.body });
    expect(again.status).to.be.oneOf([200, 202]);
    await loop.settle();
    await loop.pullUntilQuiet();
    await loop.pull();
    for (const t of [email, chat]) {
      expect(notes(t)).to.have.length(1);
      expect(t.drafts).to.have.length(1);
    }
  });

  it('with deliveries lost, the next pull closes the loop; a reopen moves the moved tickets back', async () => {
    loop.gh.hooks.drop = true;
    loop.gh.editIssue(REPO, number, { state: 'closed', stateReason: 'completed' }, MAINTAINER);
    await loop.settle();
    expect(notes(email)).to.have.length(0);
    await loop.pull();
    expect(notes(email)).to.have.length(1);
    expect(email.status).to.equal('Fixed - tell customer');

    loop.gh.editIssue(REPO, number, { state: 'open' }, MAINTAINER);
    await loop.pull();
    for (const t of [email, chat]) {
      expect(notes(t).map((c) => /was (closed as completed|reopened)/.exec(c.content)?.[1])).to.have.members(['closed as completed', 'reopened']);
      expect(t.status).to.equal('Open');
      expect(t.drafts, 'no draft for a reopen').to.have.length(1);
    }
  });

  it('closed as not planned: a private comment only; a ticket already closed is not told', async () => {
    chat.status = 'Closed';
    loop.gh.editIssue(REPO, number, { state: 'closed', stateReason: 'not_planned' }, MAINTAINER);
    await loop.settle();
    expect(notes(email)).to.have.length(1);
    expect(notes(email)[0]!.content).to.include('closed as not planned');
    expect(email.status).to.equal('Open');
    expect(email.drafts).to.have.length(0);
    expect(notes(chat)).to.have.length(0);
  });

  it('an unlinked ticket is not told, and the count follows the links', async () => {
    chat.cf.cf_github_issues = null;
    await loop.pull();
    const ours = loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-count'));
    expect(ours).to.have.length(1);
    expect(ours[0]!.body).to.match(/^\*\*1 help-desk ticket is linked/);
    loop.gh.editIssue(REPO, number, { state: 'closed' }, MAINTAINER);
    await loop.settle();
    expect(notes(email)).to.have.length(1);
    expect(notes(chat)).to.have.length(0);
  });

  it("the admin's label follows the links: on while tickets wait, off when none do", async () => {
    loop.desk.configParams.loop_label = 'customer-waiting';
    const labels = () => (loop.gh.issues(REPO).find((i) => i.number === number)!.labels as Array<{ name: string }>).map((l) => l.name);
    chat.cf.cf_github_issues = null;
    await loop.pull();
    expect(labels()).to.include('customer-waiting');
    email.cf.cf_github_issues = null;
    await loop.pull();
    expect(labels()).not.to.include('customer-waiting');
    const ours = loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-count'));
    expect(ours.map((c) => c.body.split('\n')[0])).to.deep.equal(['No help-desk tickets are linked to this issue any more.']);
  });

  it('an issue deleted on GitHub is nothing to tell, not a failure to log every pull', async () => {
    loop.gh.faults.add({
      match: { method: 'GET', path: new RegExp(`^/repositories/\\d+/issues/${number}$`) },
      fault: { kind: 'status', status: 410 },
      times: 5,
    });
    await loop.pull();
    expect(loop.log.text).not.to.include('the issue could not be read');
  });

  it('a label someone took off on GitHub is not an error: the count still follows the links', async () => {
    loop.desk.configParams.loop_label = 'customer-waiting';
    chat.cf.cf_github_issues = null;
    await loop.pull();
    loop.gh.editIssue(REPO, number, { labels: [] }, MAINTAINER);
    email.cf.cf_github_issues = null;
    await loop.pull();
    const ours = loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-count'));
    expect(ours.map((c) => c.body.split('\n')[0])).to.deep.equal(['No help-desk tickets are linked to this issue any more.']);
  });

  it('an issue in a repository the channel does not sync: a loop-only hook brings its close within the delivery, and nothing of it is imported', async () => {
    loop.gh.createRepo('acme/private-engine');
    const other = loop.gh.createIssue('acme/private-engine', { title: 'Race in the exporter' }).number;
    link(email, loop.gh.repoId('acme/private-engine'), other);
    await loop.pull();
    await loop.settle();
    const hooks = loop.gh.hooks.hooks.get('acme/private-engine') ?? [];
    expect(hooks, 'one hook of ours on the linked-only repository').to.have.length(1);
    const ticketsBefore = loop.desk.store.tickets.size;
    const pullsBefore = loop.desk.store.history.length;
    loop.gh.createComment('acme/private-engine', other, { body: 'Internal discussion, not for Desk' });
    loop.gh.editIssue('acme/private-engine', other, { state: 'closed', stateReason: 'completed' }, MAINTAINER);
    await loop.settle();
    expect(
      notes(email)
        .map((c) => c.content)
        .join(),
    ).to.include('acme/private-engine#');
    expect(notes(chat)).to.have.length(0);
    expect(loop.desk.store.tickets.size).to.equal(ticketsBefore);
    expect(loop.desk.store.history.length, 'no import from a repository the channel does not sync').to.equal(pullsBefore);
    expect(loop.gh.hooks.deliveries.filter((d) => d.repo === 'acme/private-engine').every((d) => d.status === 202)).to.equal(true);
  });

  it('a renamed repository keeps its links: issues are read by repository id', async () => {
    loop.gh.renameRepo(REPO, 'acme-labs/widgets-ng');
    loop.desk.configParams.repositories = 'acme-labs/widgets-ng';
    loop.gh.hooks.drop = true;
    loop.gh.editIssue('acme-labs/widgets-ng', number, { state: 'closed' }, MAINTAINER);
    await loop.pull();
    expect(notes(email)).to.have.length(1);
    expect(notes(email)[0]!.content).to.include('acme-labs/widgets-ng#');
  });

  it('Desk answering slowly: every call waits, the pull still tells every ticket once', async () => {
    loop.gh.hooks.drop = true;
    loop.gh.editIssue(REPO, number, { state: 'closed' }, MAINTAINER);
    loop.desk.desk.faults.push({ kind: 'any', delayMs: 150, times: 12 });
    await loop.pull();
    for (const t of [email, chat]) {
      expect(notes(t)).to.have.length(1);
      expect(t.drafts).to.have.length(1);
    }
    expect(loop.desk.desk.faults, 'the slow answers were all used').to.have.length(0);
  });

  it("Desk's API refusing or rate-limiting a call: nothing half-done is repeated, the next pull finishes", async () => {
    loop.gh.hooks.drop = true;
    loop.gh.editIssue(REPO, number, { state: 'closed' }, MAINTAINER);
    // The PATCH that records the ack fails after the comment and draft went: the mark in the comment keeps them single.
    loop.desk.desk.faults.push({ kind: 'patch', status: 429, times: 2 });
    await loop.pull();
    expect(loop.log.text).to.include('DESK_API_REFUSED');
    await loop.pull();
    for (const t of [email, chat]) {
      expect(notes(t)).to.have.length(1);
      expect(t.drafts.length).to.be.at.most(1);
      expect(t.status).to.equal('Fixed - tell customer');
    }
    const metrics = await (await fetch(`${loop.server.url}/metrics`)).text();
    expect(metrics).to.match(/escalation_desk_calls_total\{call="patch"\} \d+/);
    expect(metrics).to.match(/escalation_tickets_total\{transition="completed",outcome="told"\} 2/);
  });
});
