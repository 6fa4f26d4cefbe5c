import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { buildAndLaunch, watch } from '../helpers/browser.js';
import { startWebhookLoop, DESK_TOKEN, type WebhookLoop } from '../helpers/webhook-loop.js';
import { SENTINEL } from '../helpers/test-config.js';
import { startWidgetHost } from '../../sandbox/widget-host.js';
import { parseLinks } from '../../server/escalation/links.js';
import type { DeskTicketRecord } from '../../sandbox/desk-simulator/tickets-api.js';

const REPO = 'acme/widgets';
const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script> Export fails';
const CUSTOMER = { name: 'Jane Doe', email: 'jane.doe@customer.example', phone: '+49 170 1234567' };
const TEMPLATE = 'Hello, the fix for {{issue.title}} has shipped: {{issue.url}}';

/**
 * The card's escalation flows in headless Chromium against the real loop: link an
 * e-mail and a chat ticket to one issue, create an issue from a third ticket with the
 * customer masked, unlink, and put the draft on every linked ticket. Desk's SDK is the
 * sandbox double: its `request` reaches the fake GitHub through the GitHub connection
 * and the Desk simulator's ticket API through the Desk connection, both whitelisted.
 */
describe('The ticket card links any ticket to GitHub issues (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let loop: WebhookLoop;
  let host: Awaited<ReturnType<typeof startWidgetHost>>;
  let email: DeskTicketRecord;
  let chat: DeskTicketRecord;
  let phone: DeskTicketRecord;
  const errors: string[] = [];
  let dialogs = 0;

  before(async () => {
    browser = await buildAndLaunch();
  });
  after(async () => browser?.close());

  beforeEach(async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO, loop_draft_template: TEMPLATE } });
    loop.gh.createRepo(REPO);
    loop.gh.createIssue(REPO, { title: HOSTILE });
    await loop.pullUntilQuiet();
    await loop.settle();
    email = loop.desk.desk.createTicket({ subject: 'Export broken', channel: 'EMAIL', contactName: CUSTOMER.name, email: CUSTOMER.email });
    chat = loop.desk.desk.createTicket({ subject: 'export?', channel: 'CHAT', contactName: 'Max Power' });
    phone = loop.desk.desk.createTicket({
      subject: `Export crashes for ${CUSTOMER.name}`,
      channel: 'PHONE',
      contactName: CUSTOMER.name,
      email: CUSTOMER.email,
      phone: CUSTOMER.phone,
      description: `<p>Hi, this is ${CUSTOMER.name} (${CUSTOMER.email}, call me on ${CUSTOMER.phone}).</p><p>Export to CSV crashes since 2.4.1.</p>`,
    });
    host = await startWidgetHost({
      config: () => Object.entries(loop.desk.configParams).map(([name, value]) => ({ name, value })),
      setConfig: (name, value) => void (loop.desk.configParams[name] = value),
      database: (key) => loop.desk.store.database.get(key),
      github: { url: loop.gh.url, token: SENTINEL.token },
      desk: { url: loop.desk.url, token: DESK_TOKEN, orgId: loop.desk.orgId },
    });
    errors.length = 0;
    dialogs = 0;
  });
  afterEach(async () => {
    expect(errors, 'no script or console errors').to.deep.equal([]);
    expect(dialogs, 'no dialogs').to.equal(0);
    await host?.close();
    await loop?.close();
  });

  async function card(t: DeskTicketRecord): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 360, height: 900 } });
    const w = watch(page);
    page.on('close', () => {
      errors.push(...w.errors);
      dialogs += w.dialogs;
    });
    await page.goto(`${host.origin}/app/card.html?ticket=${t.id}&locale=en`);
    await page.waitForSelector('.gh-links');
    return page;
  }
  const linkTo = async (page: Page, ref: string) => {
    await page.fill('.gh-links__input', ref);
    await page.click('.gh-links__add button');
    await page.waitForSelector('.gh-links [role="status"], .gh-links [role="alert"]');
  };
  const text = async (page: Page) => (await page.locator('.gh-links').innerText()).replace(/\s+/g, ' ');

  it('links an e-mail and a chat ticket to one issue: the field holds it by repository id, the title stays text, the loop is turned on', async () => {
    const a = await card(email);
    expect(await text(a)).to.include('No GitHub issue is linked yet.');
    await linkTo(a, `${REPO}#1`);
    expect(await text(a)).to.include('Linked to acme/widgets#1.');
    expect(await a.locator('.gh-links__issue-title').innerText()).to.equal(HOSTILE);
    expect(await a.locator('.gh-links img, .gh-links script').count()).to.equal(0);
    expect(parseLinks(email.cf.cf_github_issues)).to.deep.equal([{ repoId: loop.gh.repoId(REPO), number: 1, ack: { kind: 'o' } }]);
    expect(loop.desk.configParams.links_in_use).to.equal('yes');
    await a.close();

    const b = await card(chat);
    await linkTo(b, 'https://github.com/acme/widgets/issues/1');
    expect(await text(b)).to.include('1 other tickets linked');
    await linkTo(b, `${REPO}#1`);
    expect(await text(b)).to.include('This issue is already linked to the ticket.');
    await linkTo(b, 'x');
    expect(await text(b)).to.include('Give the issue as owner/repo#123');
    await b.close();

    // The pull counts them on GitHub: a number only.
    await loop.pull();
    const count = loop.gh.comments(REPO).filter((c) => c.body.includes('zoho-desk-count'));
    expect(count.map((c) => c.body.split('\n')[0])).to.deep.equal(['**2 help-desk tickets are linked to this issue.**']);
  });

  it('links a closed issue after its last close: a later reopen and close are told, even when the loop first looks after both', async () => {
    loop.gh.editIssue(REPO, 1, { state: 'closed', stateReason: 'not_planned' });
    loop.gh.editIssue(REPO, 1, { state: 'open' });
    loop.gh.editIssue(REPO, 1, { state: 'closed', stateReason: 'completed' });
    const lastClose = loop.gh
      .events(REPO)
      .filter((e) => e.issueNumber === 1 && e.event === 'closed')
      .at(-1)!;
    const page = await card(email);
    await linkTo(page, `${REPO}#1`);
    expect(await text(page)).to.include('Linked to acme/widgets#1.');
    expect(parseLinks(email.cf.cf_github_issues)).to.deep.equal([
      { repoId: loop.gh.repoId(REPO), number: 1, ack: { kind: 'c', eventId: lastClose.id, moved: false } },
    ]);
    // Its events unreadable: the link is made as before (`x`), never refused.
    loop.gh.faults.add({ match: { path: /\/issues\/1\/events$/ }, fault: { kind: 'status', status: 502 } });
    const other = await card(chat);
    await linkTo(other, `${REPO}#1`);
    expect(parseLinks(chat.cf.cf_github_issues)).to.deep.equal([{ repoId: loop.gh.repoId(REPO), number: 1, ack: { kind: 'x' } }]);
    await page.close();
    await other.close();
  });

  it("finds an issue with GitHub's search, scoped to the installation's repositories, and links it", async () => {
    loop.gh.createRepo('other/elsewhere');
    loop.gh.createIssue('other/elsewhere', { title: 'Export fails elsewhere' });
    loop.gh.createIssue(REPO, { title: 'Dark mode' });
    const page = await card(email);
    await page.fill('.gh-links__input', 'export fails');
    await page.click('.gh-links__add button');
    await page.waitForSelector('[data-hit], .gh-links [role="alert"]');
    expect(await page.locator('[data-hit]').count(), await text(page)).to.be.above(0);
    expect(await page.locator('[data-hit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-hit')))).to.deep.equal([`${REPO}#1`]);
    expect(await page.locator('[data-hit] .gh-links__issue-title').innerText()).to.equal(HOSTILE);
    const search = loop.gh.requests.find((r) => r.path === '/search/issues');
    expect(search?.query.q).to.equal(`export fails is:issue repo:${REPO}`);
    await page.click('[data-hit] button');
    await page.waitForSelector('.gh-links [role="status"]');
    expect(parseLinks(email.cf.cf_github_issues).map((l) => l.number)).to.deep.equal([1]);
    // GitHub's search rate-limited (30 a minute): said in plain words, nothing linked.
    loop.gh.faults.add({ match: { path: '/search/issues' }, fault: { kind: 'rateLimit', type: 'secondary', retryAfter: 60 } });
    await page.fill('.gh-links__input', 'dark mode');
    await page.click('.gh-links__add button');
    await page.waitForSelector('.gh-links [role="alert"]');
    expect(await text(page)).to.include("GitHub's rate limit is used up");
    await page.fill('.gh-links__input', 'nothing like this');
    await page.click('.gh-links__add button');
    await page.waitForSelector('.gh-links [role="alert"]');
    expect(await text(page)).to.include('No issue matches');
    await page.close();
  });

  it('creates an issue from a phone ticket with the customer masked: what is sent is exactly the preview, and no address reaches GitHub', async () => {
    const page = await card(phone);
    await page.click('text=Create a GitHub issue from this ticket…');
    const preview = page.locator('[data-preview]');
    const shown = await preview.innerText();
    for (const secret of [CUSTOMER.email, '1234567', 'Jane', 'Doe']) expect(shown).not.to.include(secret);
    expect(shown).to.include('Export crashes for [customer]');
    expect(shown).to.include('Hi, this is [customer] ([email], call me on [phone]).');
    expect(shown).to.include('_Reported through the help desk._');
    // Unmasked, the preview would say so: the agent sees it before anything goes.
    await page.uncheck('input[name="mask"]');
    expect(await preview.innerText()).to.include(CUSTOMER.email);
    await page.check('input[name="mask"]');
    await page.fill('input[name="labels"]', 'bug, from-support');
    const final = await preview.innerText();
    await page.click('text=Create the issue');
    await page.waitForSelector('.gh-links [role="status"], .gh-links [role="alert"]');
    expect(await text(page), await text(page)).to.include('Created acme/widgets#2 and linked this ticket to it.');
    const created = loop.gh.issues(REPO).find((i) => i.number === 2)! as unknown as { title: string; body: string; labels: Array<{ name: string }> };
    expect(`${created.title}\n\n${created.body}`).to.equal(final);
    expect(created.labels.map((l) => l.name).sort()).to.deep.equal(['bug', 'from-support']);
    // Everything GitHub holds now (issues, comments, request paths and queries): no trace of the customer.
    const onGitHub = JSON.stringify([loop.gh.issues(REPO), loop.gh.comments(REPO), loop.gh.requests]);
    for (const secret of [CUSTOMER.email, CUSTOMER.phone, '1234567', 'Jane', 'Doe']) expect(onGitHub).not.to.include(secret);
    expect(parseLinks(phone.cf.cf_github_issues)[0]).to.deep.include({ number: 2 });
    await page.close();
  });

  it('unlinks, and puts the admin draft on every linked ticket after showing it', async () => {
    const a = await card(email);
    await linkTo(a, `${REPO}#1`);
    await a.close();
    const b = await card(chat);
    await linkTo(b, `${REPO}#1`);
    await b.click('text=Notify all linked customers…');
    const draft = await b.locator('[data-draft-preview]').innerText();
    expect(draft).to.equal(`Hello, the fix for ${HOSTILE} has shipped: ${loop.gh.issues(REPO)[0]!.html_url}`);
    await b.click('text=Put the draft on 2 tickets');
    await b.waitForSelector('.gh-links [role="status"]');
    expect(await text(b)).to.include('Draft reply put on 2 of 2 tickets.');
    for (const t of [email, chat]) {
      expect(t.drafts).to.have.length(1);
      expect(t.drafts[0]!.channel).to.equal(t.channel);
      expect(t.drafts[0]!.content).to.include('&lt;img src=x');
    }
    await b.click('.gh-links__row button:text("Unlink")');
    await b.waitForSelector('.gh-links [role="status"]');
    expect(await text(b)).to.include('acme/widgets#1 is no longer linked.');
    expect(chat.cf.cf_github_issues).to.equal(null);
    await b.close();
  });

  it('a ticket that came from GitHub shows its issue and links more', async () => {
    loop.gh.createIssue(REPO, { title: 'Root cause in the exporter' });
    const channelTicket = loop.desk.desk.tickets.get(loop.desk.store.deskIdOf(`${REPO}:1`)!)!;
    const page = await card(channelTicket);
    await page.waitForSelector('.gh-card[data-state="live"]');
    await linkTo(page, `${REPO}#2`);
    expect(await text(page)).to.include('Root cause in the exporter');
    expect(parseLinks(channelTicket.cf.cf_github_issues).map((l) => l.number)).to.deep.equal([2]);
    await page.close();
  });

  it("the settings page lists the org's statuses, custom ones too, and saves the admin's picks for the loop", async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
    const w = watch(page);
    await page.goto(`${host.url}?locale=en`);
    await page.waitForSelector('.gh-loop select');
    const options = await page.locator('select[name="loop_closed_status"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).to.deep.equal(['', 'Open', 'Escalated', 'On Hold', 'Fixed - tell customer', 'Closed']);
    await page.selectOption('select[name="loop_closed_status"]', 'Fixed - tell customer');
    await page.waitForSelector('.gh-loop__note:text("Saved.")');
    await page.selectOption('select[name="loop_reopen_status"]', 'Escalated');
    await page.waitForFunction(() => (document.querySelector('select[name="loop_reopen_status"]') as HTMLSelectElement).disabled === false);
    expect([loop.desk.configParams.loop_closed_status, loop.desk.configParams.loop_reopen_status]).to.deep.equal(['Fixed - tell customer', 'Escalated']);
    errors.push(...w.errors);
    await page.close();
  });

  it('Desk refusing the write leaves the links as they were and says so', async () => {
    const page = await card(email);
    loop.desk.desk.faults.push({ kind: 'patch', status: 429 });
    await page.fill('.gh-links__input', `${REPO}#1`);
    await page.click('.gh-links__add button');
    await page.waitForSelector('.gh-links [role="alert"]');
    expect(await text(page)).to.include('Not changed: Desk did not save the ticket');
    expect(email.cf.cf_github_issues).to.equal(null);
    await page.close();
  });
});
