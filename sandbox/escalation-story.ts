/**
 * The sandbox's escalation story (README, "Escalation"): after the first pull, an e-mail
 * and a chat ticket are linked to one open issue (as the card writes the link), a phone
 * ticket waits for an agent to create an issue from its card, and a little later a
 * maintainer closes the issue on the fake GitHub. Each linked ticket's private note and
 * draft reply are printed as they arrive, with how long after the close.
 */
import type { startDeskSimulator } from './desk-simulator/index.js';
import type { startFakeGitHub } from './fake-github/index.js';
import { formatLinks, parseLinks } from '../server/escalation/links.js';

type Desk = Awaited<ReturnType<typeof startDeskSimulator>>;
type GitHub = Awaited<ReturnType<typeof startFakeGitHub>>;

/** What the admin set: the loop moves fixed tickets to a custom status and drafts a reply. */
export const SANDBOX_LOOP_PARAMS = {
  loop_closed_status: 'Fixed - tell customer',
  loop_reopen_status: 'Open',
  loop_draft_template: 'Hello, good news: the problem you reported ("{{issue.title}}") is fixed. {{issue.url}}',
};

export function startEscalationStory(desk: Desk, gh: GitHub, repo: string, cardUrl: (ticketId: string) => string, closeAfterMs: number): () => void {
  const issue = gh.issues(repo).find((i) => i.state === 'open' && !i.pull_request);
  if (!issue) return () => undefined;
  const repoId = gh.repoId(repo);
  const link = (t: { cf: Record<string, string | null> }) =>
    void (t.cf.cf_github_issues = formatLinks([...parseLinks(t.cf.cf_github_issues ?? ''), { repoId, number: issue.number, ack: { kind: 'o' } }]));
  const email = desk.desk.createTicket({ subject: 'Cannot export my report', channel: 'EMAIL', contactName: 'Jane Doe', email: 'jane.doe@customer.example' });
  const chat = desk.desk.createTicket({ subject: 'export button does nothing?', channel: 'CHAT', contactName: 'Max Power' });
  const phone = desk.desk.createTicket({
    subject: 'Export crashes for Ana Lima',
    channel: 'PHONE',
    contactName: 'Ana Lima',
    email: 'ana.lima@customer.example',
    phone: '+351 912 345 678',
    description: '<p>Ana Lima (ana.lima@customer.example, +351 912 345 678) says the export crashes on big reports.</p>',
  });
  link(email);
  link(chat);
  desk.configParams.links_in_use = 'yes';
  console.log(
    [
      `escalation: an e-mail and a chat ticket are linked to ${repo}#${issue.number} ("${issue.title}")`,
      `  e-mail ticket card  ${cardUrl(email.id)}`,
      `  chat ticket card    ${cardUrl(chat.id)}`,
      `  phone ticket card   ${cardUrl(phone.id)}   (create an issue from it: the customer is masked in the preview)`,
      `  the issue is closed as completed on the fake GitHub in ${Math.round(closeAfterMs / 1000)} s`,
    ].join('\n'),
  );
  let closedAt = 0;
  const seen = new Set<string>();
  const close = setTimeout(() => {
    closedAt = Date.now();
    gh.editIssue(repo, issue.number, { state: 'closed', stateReason: 'completed', commitId: 'c0ffee1234567890' }, { login: 'maintainer-mo', id: 4242 });
    console.log(`escalation: ${repo}#${issue.number} closed as completed by maintainer-mo`);
  }, closeAfterMs);
  const watch = setInterval(() => {
    if (!closedAt) return;
    for (const t of [email, chat]) {
      // Told once the loop's last step is done: the ack in the field (after note, draft and status).
      const told = parseLinks(t.cf.cf_github_issues ?? '').some((l) => l.number === issue.number && l.ack.kind === 'c');
      const note = t.comments.some((c) => !c.isPublic && c.content.includes('gh-loop:'));
      if (told && note && t.drafts.length > 0 && !seen.has(t.id)) {
        seen.add(t.id);
        console.log(
          `escalation: ${t.channel} ticket ${t.id} has its private note, status "${t.status}" and a draft reply, ${Date.now() - closedAt} ms after the close`,
        );
      }
    }
    const count = gh.comments(repo).find((c) => c.body.includes('zoho-desk-count'));
    if (count && !seen.has('count')) {
      seen.add('count');
      console.log(`escalation: GitHub's issue says: ${count.body.split('\n')[0]}`);
    }
  }, 250);
  return () => {
    clearTimeout(close);
    clearInterval(watch);
  };
}
