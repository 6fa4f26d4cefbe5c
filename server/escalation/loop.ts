import type { ClaimStore } from '../claims/index.js';
import { AppError, isAppError } from '../errors.js';
import { SEARCH_MAX_FROM, SEARCH_PAGE, type DeskComment, type DeskTicket, type DeskTickets } from './desk-tickets.js';
import { postOnce, type MarkedPlace } from '../coordination/post-once.js';
import { escapeHtml, templateHtml, webUrl } from './template.js';
import { formatAck, formatLinks, linkName, parseLinks, searchTermFor, sameIssue, type Ack, type IssueKey, type IssueLink } from './links.js';

/**
 * Closing the loop (README, "Escalation"): when an issue linked to Desk tickets is
 * closed or reopened, every linked ticket is told once — a private comment, and by the
 * admin's choice a status and a draft reply for an agent to send. The same engine runs
 * for a delivery (one issue, within seconds) and for each pull (every linked issue: the
 * reconciler when a delivery was lost or webhooks are off).
 *
 * Once per ticket and transition, across replicas, retries and redeliveries, with no
 * database: the ticket's own field records the last transition it was told of (links.ts,
 * the ack), a claim keeps two replicas from acting together, and the private comment
 * carries a mark that a retry finds, so a crash between the comment and the field's
 * update posts nothing twice. The status is set in the same PATCH as the ack; the draft
 * goes only together with a newly posted comment: at most once (never two drafts).
 */

export interface Transition {
  kind: 'completed' | 'not_planned' | 'reopened';
  /** GitHub's issue event id: a later close of the same issue is a new transition. */
  eventId: number;
  actor?: string;
  /** The commit that closed it, when GitHub's event names one. */
  commit?: string;
}

export interface IssueNow {
  key: IssueKey;
  state: 'open' | 'closed';
  title: string;
  /** The issue's web address. */
  url: string;
  /** owner/repo#n as it is called today. */
  name: string;
  transition?: Transition;
}

/** What the loop needs of the upstream (GitHub: connectors/github/escalation.ts). */
export interface IssueSide {
  /** The issue now, or undefined when it is gone. */
  read(k: IssueKey): Promise<IssueNow | undefined>;
  /** Keeps the one count comment on the issue at `linked`, and the admin's label on it while tickets are linked. */
  count(k: IssueKey, linked: number, label?: string): Promise<'posted' | 'edited' | 'same' | 'none'>;
  /** Optional: after a reconcile, the places (repositories) linked issues live in, so their changes are delivered too. */
  watch?(places: string[]): Promise<void>;
}

/** The admin's choices (config params, README). */
export interface LoopSettings {
  /** Status a linked open ticket is moved to when its issue is closed as completed; none: left. */
  closedStatus?: string;
  /** Status tickets the loop moved go back to when the issue is reopened; none: left. */
  reopenStatus?: string;
  /** Plain text with {{issue.title}}, {{issue.url}}, {{issue.name}}: a draft reply on completion; none: no draft. */
  draftTemplate?: string;
  fromAddress?: string;
  /** A label put on issues while help-desk tickets are linked to them (and taken off when none are); none: no label. */
  label?: string;
}

export function readLoopSettings(params: Readonly<Record<string, string | null | undefined>>): LoopSettings {
  const text = (name: string, max: number): string | undefined => {
    const v = params[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : undefined;
  };
  const s: LoopSettings = {};
  const closed = text('loop_closed_status', 100);
  const reopen = text('loop_reopen_status', 100);
  const template = text('loop_draft_template', 4000);
  const from = text('loop_from_address', 200);
  const label = text('loop_label', 50);
  if (label && !/[,\u0000-\u001f]/.test(label)) s.label = label;
  if (closed) s.closedStatus = closed;
  if (reopen) s.reopenStatus = reopen;
  if (template) s.draftTemplate = template;
  if (from && /^[^\s@<>"]+@[^\s@<>"]+$/.test(from)) s.fromAddress = from;
  return s;
}

export type Decision = { act: false; ack: Ack } | { act: true; ack: Ack };

/**
 * What a ticket whose link says `ack` does about the issue's transition `t`. A link made
 * while the issue was open (`o`) is told of a close, not of an old reopen; one made while
 * it was closed (`x`) of a reopen, not of the close it was linked after. A close is told
 * only to tickets that are not closed themselves; a reopen to every linked ticket.
 */
export function decide(ack: Ack, t: Transition, ticketClosed: boolean): Decision {
  const closing = t.kind !== 'reopened';
  const next = (moved: boolean): Ack => ({ kind: t.kind === 'completed' ? 'c' : t.kind === 'not_planned' ? 'n' : 'r', eventId: t.eventId, moved });
  if (ack.kind !== 'o' && ack.kind !== 'x' && ack.eventId === t.eventId) return { act: false, ack };
  if (ack.kind === 'o' && !closing) return { act: false, ack: next(false) };
  if (ack.kind === 'x' && closing) return { act: false, ack: next(false) };
  if (closing && ticketClosed) return { act: false, ack: next(false) };
  return { act: true, ack: next(false) };
}

export type LoopOutcome = 'told' | 'adopted' | 'claimed_elsewhere' | 'unlinked' | 'failed';

export interface LoopContext {
  desk: DeskTickets;
  issues: IssueSide;
  settings: LoopSettings;
  orgId: string;
  claims?: ClaimStore | undefined;
  /** Epoch ms after which no new ticket is started. */
  deadline: number;
  now: () => number;
  log?: { warn(o: object, msg: string): void; info?(o: object, msg: string): void } | undefined;
  onOutcome?: (transition: Transition['kind'] | 'none', outcome: LoopOutcome) => void;
  /** The count this process last wrote per issue: a count is only written when it changes. */
  counts?: Map<string, number> | undefined;
}

/** Linked tickets of one issue told at once (Desk's API allows bursts; its credits are per call, not per second). */
const TICKETS_AT_ONCE = 4;
/** How long a replica holds a ticket's transition while it tells it. */
const CLAIM_MS = 60_000;
/** Search for every ticket with a link: Desk's "not empty" check (Search.json). */
const ANY_LINK = '${notempty}';

/** The pull's reconciler: every linked ticket Desk finds (up to Desk's search window), grouped by issue. */
export async function reconcileAll(ctx: LoopContext): Promise<{ issues: number; tickets: number; complete: boolean }> {
  const { tickets, complete } = await searchAll(ctx, ANY_LINK);
  const byIssue = new Map<string, { key: IssueKey; tickets: DeskTicket[] }>();
  for (const t of tickets)
    for (const l of parseLinks(t.links)) {
      const id = linkName(l);
      const entry = byIssue.get(id) ?? { key: { repoId: l.repoId, number: l.number }, tickets: [] };
      entry.tickets.push(t);
      byIssue.set(id, entry);
    }
  // An issue whose last link went since this process counted it: its count goes to zero.
  if (complete)
    for (const [id, n] of ctx.counts ?? [])
      if (n > 0 && !byIssue.has(id)) {
        const key = keyOfName(id);
        if (key) byIssue.set(id, { key, tickets: [] });
      }
  let done = true;
  const places = new Set<string>();
  for (const { key, tickets: linked } of byIssue.values()) {
    if (ctx.now() >= ctx.deadline) {
      done = false;
      break;
    }
    const issue = await closeLoop(ctx, key, linked, complete);
    const place = issue?.name.replace(/#\d+$/, '');
    if (place && linked.length > 0) places.add(place);
  }
  if (ctx.issues.watch && places.size > 0)
    await ctx.issues.watch([...places]).catch((err: unknown) => logFailure(ctx, err, [...byIssue.values()][0]!.key, 'webhooks for linked issues not checked'));
  return { issues: byIssue.size, tickets: tickets.length, complete: complete && done };
}

/** A delivery's issue: its linked tickets found by Desk's search, then told. */
export async function reconcileIssue(ctx: LoopContext, key: IssueKey): Promise<void> {
  const { tickets, complete } = await searchAll(ctx, searchTermFor(key));
  const linked = tickets.filter((t) => parseLinks(t.links).some((l) => sameIssue(l, key)));
  if (linked.length > 0 || complete) await closeLoop(ctx, key, linked, complete);
}

async function searchAll(ctx: LoopContext, term: string): Promise<{ tickets: DeskTicket[]; complete: boolean }> {
  const tickets: DeskTicket[] = [];
  for (let from = 0; ; from += SEARCH_PAGE) {
    const page = await ctx.desk.search(term, from);
    tickets.push(...page.tickets);
    if (!page.full) return { tickets, complete: true };
    // Desk's search reaches 1,099 tickets at most (from ≤ 999): past that, counts are not written (README).
    if (from + SEARCH_PAGE > SEARCH_MAX_FROM || ctx.now() >= ctx.deadline) return { tickets, complete: false };
  }
}

/** One issue: read it once, tell each linked ticket, then the count on GitHub (only when the search saw every ticket). */
async function closeLoop(ctx: LoopContext, key: IssueKey, linked: DeskTicket[], countKnown: boolean): Promise<IssueNow | undefined> {
  let issue: IssueNow | undefined;
  try {
    issue = await ctx.issues.read(key);
  } catch (err) {
    logFailure(ctx, err, key, 'the issue could not be read: the next pull tries again');
    return undefined;
  }
  if (!issue) return undefined;
  const t = issue.transition;
  if (t) {
    // A few tickets at once: each is a chain of Desk calls, and Desk's answers take a while.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < linked.length && ctx.now() < ctx.deadline) {
        const ticket = linked[next++]!;
        const outcome = await tellTicket(ctx, issue, t, ticket).catch((err: unknown) => {
          logFailure(ctx, err, key, 'a linked ticket was not told: the next pull tries again');
          return 'failed' as const;
        });
        ctx.onOutcome?.(t.kind, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TICKETS_AT_ONCE, linked.length) }, worker));
  }
  const id = linkName(key);
  if (!countKnown || ctx.counts?.get(id) === linked.length) return issue;
  try {
    await ctx.issues.count(key, linked.length, ctx.settings.label);
    ctx.counts?.set(id, linked.length);
  } catch (err) {
    logFailure(ctx, err, key, 'the count comment was not written: the next pull tries again');
  }
  return issue;
}

async function tellTicket(ctx: LoopContext, issue: IssueNow, t: Transition, found: DeskTicket): Promise<LoopOutcome> {
  const link = parseLinks(found.links).find((l) => sameIssue(l, issue.key));
  if (!link) return 'unlinked';
  const first = decide(link.ack, t, found.statusType.toLowerCase() === 'closed');
  if (!first.act && sameAck(first.ack, link.ack)) return 'adopted';
  const claimKey = `loop:${ctx.orgId}:${found.id}:${linkName(issue.key)}:${t.eventId}`;
  if (ctx.claims && !(await ctx.claims.claim(claimKey, CLAIM_MS).catch(() => true))) return 'claimed_elsewhere';
  try {
    // Read again under the claim: the search index lags, another replica may have told it, an agent may have unlinked.
    const ticket = await ctx.desk.ticket(found.id);
    const now = ticket && parseLinks(ticket.links).find((l) => sameIssue(l, issue.key));
    if (!ticket || !now) return 'unlinked';
    const d = decide(now.ack, t, ticket.statusType.toLowerCase() === 'closed');
    if (!d.act) {
      if (!sameAck(d.ack, now.ack)) await writeAck(ctx, ticket.id, issue.key, d.ack, undefined);
      return 'adopted';
    }
    const mark = `gh-loop:${linkName(issue.key)}=${formatAck({ ...d.ack, moved: false } as Ack)}`;
    // Claim (above), find, post, find again, keep the oldest (coordination/post-once.ts): of two replicas
    // that posted at once the older note stays, and only its poster drafts.
    const html = noteHtml(issue, t, mark);
    const place: MarkedPlace<DeskComment> = {
      find: async () =>
        (await ctx.desk.comments(ticket.id))
          .filter((c) => c.content.includes(mark))
          .sort((a, b) => (a.commentedAt || 0) - (b.commentedAt || 0) || compareIds(a.id, b.id)),
      post: async () => {
        const id = await ctx.desk.addComment(ticket.id, html);
        return id ? { id, content: html, commentedAt: NaN } : undefined;
      },
      remove: (c) => ctx.desk.deleteComment(ticket.id, c.id),
      same: (a, b) => a.id === b.id,
      what: 'note',
    };
    const { ours } = await postOnce(place, {
      key: mark,
      log: ctx.log,
      undescribed: () => new AppError('DESK_API_REFUSED', 'Desk accepted the note but neither its answer nor the ticket shows it'),
    });
    if (ours && t.kind === 'completed' && ctx.settings.draftTemplate)
      await ctx.desk.draftReply(ticket.id, {
        channel: ticket.channel || 'EMAIL',
        html: templateHtml(ctx.settings.draftTemplate, issue),
        fromEmailAddress: ctx.settings.fromAddress,
      });
    let status: string | undefined;
    let moved = false;
    if (t.kind === 'completed' && ctx.settings.closedStatus && ticket.status !== ctx.settings.closedStatus) {
      status = ctx.settings.closedStatus;
      moved = true;
    } else if (t.kind === 'reopened' && ctx.settings.reopenStatus && wasMoved(now.ack) && ticket.status !== ctx.settings.reopenStatus) {
      status = ctx.settings.reopenStatus;
    }
    const ack = { ...d.ack, moved } as Ack;
    await writeAck(ctx, ticket.id, issue.key, ack, status);
    ctx.log?.info?.(
      { orgId: ctx.orgId, ticket: ticket.id, issue: linkName(issue.key), transition: t.kind, status: status ?? null },
      'a linked ticket was told of its issue',
    );
    return 'told';
  } finally {
    await ctx.claims?.release(claimKey).catch(() => undefined);
  }
}

/** Desk's ids are decimal strings of up to 19 digits: compared as numbers without losing precision. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The field rewritten from a fresh read, changing only this link's ack (and the status with it, in one PATCH). */
async function writeAck(ctx: LoopContext, ticketId: string, key: IssueKey, ack: Ack, status: string | undefined): Promise<void> {
  const fresh = await ctx.desk.ticket(ticketId);
  if (!fresh) return;
  const links: IssueLink[] = parseLinks(fresh.links).map((l) => (sameIssue(l, key) ? { ...l, ack } : l));
  if (!links.some((l) => sameIssue(l, key))) return;
  await ctx.desk.patch(ticketId, { links: formatLinks(links), ...(status ? { status } : {}) });
}

function keyOfName(id: string): IssueKey | undefined {
  const m = /^~(\d+)\/(\d+)$/.exec(id);
  return m ? { repoId: Number(m[1]), number: Number(m[2]) } : undefined;
}

function sameAck(a: Ack, b: Ack): boolean {
  return formatAck(a) === formatAck(b);
}

function wasMoved(ack: Ack): boolean {
  return (ack.kind === 'c' || ack.kind === 'n') && ack.moved;
}

const WHAT: Record<Transition['kind'], string> = {
  completed: 'was closed as completed',
  not_planned: 'was closed as not planned',
  reopened: 'was reopened',
};

/** The private comment: the issue, what happened, who did it and the commit; every external string escaped. */
export function noteHtml(issue: IssueNow, t: Transition, mark: string): string {
  const url = webUrl(issue.url);
  const link = url ? `<a href="${escapeHtml(url)}">${escapeHtml(issue.name)}</a>` : escapeHtml(issue.name);
  const by = t.actor ? ` by ${escapeHtml(t.actor)}` : '';
  const commitUrl = t.commit && url ? url.replace(/\/(?:issues|pull)\/\d+$/, `/commit/${t.commit}`) : undefined;
  const commit = t.commit ? `, in commit ${commitUrl ? `<a href="${escapeHtml(commitUrl)}">${t.commit.slice(0, 7)}</a>` : t.commit.slice(0, 7)}` : '';
  return (
    `<div>GitHub issue ${link} (“${escapeHtml(issue.title)}”) ${WHAT[t.kind]}${by}${commit}.</div>` +
    `<div style="color:#888;font-size:11px">${escapeHtml(mark)}</div>`
  );
}

function logFailure(ctx: LoopContext, err: unknown, key: IssueKey, what: string): void {
  const code = isAppError(err) ? err.code : 'INTERNAL';
  ctx.log?.warn(
    { code, orgId: ctx.orgId, issue: linkName(key), err: err instanceof AppError ? err.message : String(err) },
    `escalation loop: ${what} (${code})`,
  );
}
