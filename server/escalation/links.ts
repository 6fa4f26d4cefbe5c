/**
 * The links of one Desk ticket to GitHub issues, as the ticket's extension field
 * "GitHub issues" holds them (README, "Escalation: links"). Browser-safe: the card
 * writes this field and the server reads it; both go through these functions.
 *
 * Format, version 1: `gh1 ~<repoId>/<number>=<ack> …`, tokens separated by spaces.
 * - repoId is GitHub's numeric repository id, not owner/name: a repository renamed or
 *   transferred keeps its links.
 * - ack is the last transition of the issue this ticket was told of:
 *   `o` linked while open, nothing told yet; `x` linked while closed by a close the card
 *   could not read (one it read is recorded as `c`/`n` + its id, as if told);
 *   `c<eventId>` closed as completed, `n<eventId>` closed as not planned, `r<eventId>`
 *   reopened (eventId: GitHub's issue event id), with a trailing `m` when the loop moved
 *   the ticket's status, so a reopen can move it back.
 * - `~` before and `=` after `<repoId>/<number>` make one link findable by Desk's wildcard
 *   search (`*~123/4=*` never matches `~123/45=`), and neither is a comma, which Desk's
 *   search reads as "or".
 */
export const LINKS_VERSION = 'gh1';
/** Links per ticket: enough for a ticket that touches a few bugs; the field stays under 255 characters. */
export const MAX_LINKS = 5;
/** Desk's single-line text field: 255 characters (a guess the README states; the field is declared so in resources.json). */
export const MAX_FIELD_LENGTH = 255;

export interface IssueKey {
  repoId: number;
  number: number;
}

export type Ack = { kind: 'o' } | { kind: 'x' } | { kind: 'c' | 'n' | 'r'; eventId: number; moved: boolean };

export interface IssueLink extends IssueKey {
  ack: Ack;
}

const TOKEN = /^~([1-9]\d{0,14})\/([1-9]\d{0,9})=(o|x|([cnr])([1-9]\d{0,15})(m?))$/;

/** The links a field value names, liberally read: unknown tokens are dropped, duplicates kept once, at most MAX_LINKS. */
export function parseLinks(value: unknown): IssueLink[] {
  if (typeof value !== 'string' || value.length > 4 * MAX_FIELD_LENGTH) return [];
  const out: IssueLink[] = [];
  for (const token of value.trim().split(/\s+/)) {
    const m = TOKEN.exec(token);
    if (!m) continue;
    const repoId = Number(m[1]);
    const number = Number(m[2]);
    if (!Number.isSafeInteger(repoId) || out.some((l) => l.repoId === repoId && l.number === number)) continue;
    const ack: Ack = m[3] === 'o' || m[3] === 'x' ? { kind: m[3] } : { kind: m[4] as 'c' | 'n' | 'r', eventId: Number(m[5]), moved: m[6] === 'm' };
    out.push({ repoId, number, ack });
    if (out.length === MAX_LINKS) break;
  }
  return out;
}

export function formatAck(ack: Ack): string {
  return ack.kind === 'o' || ack.kind === 'x' ? ack.kind : `${ack.kind}${ack.eventId}${ack.moved ? 'm' : ''}`;
}

/** The field value for these links (empty string when none). */
export function formatLinks(links: readonly IssueLink[]): string {
  if (links.length === 0) return '';
  if (links.length > MAX_LINKS) throw new RangeError(`at most ${MAX_LINKS} issues per ticket`);
  return [LINKS_VERSION, ...links.map((l) => `${linkName(l)}=${formatAck(l.ack)}`)].join(' ');
}

/** `~<repoId>/<number>`: a link's name inside the field. */
export function linkName(k: IssueKey): string {
  return `~${k.repoId}/${k.number}`;
}

/** Desk's search value that finds the tickets linked to one issue. */
export function searchTermFor(k: IssueKey): string {
  return `*${linkName(k)}=*`;
}

export function sameIssue(a: IssueKey, b: IssueKey): boolean {
  return a.repoId === b.repoId && a.number === b.number;
}

/** How the issue stood when it was linked: open, closed by a close the card read (its event), or closed by one it could not read. */
export type LinkedAt = 'open' | 'closed' | { closedBy: number; notPlanned: boolean };

/**
 * The links with `k` added, or the reason it cannot be. The ack: `o` when the issue is
 * open; when it is closed, the close it was linked after as if told (`c`/`n` + its event
 * id, nothing moved), so a later reopen and close are told even when the loop first looks
 * after both; `x` when that close could not be read.
 */
export function withLink(links: readonly IssueLink[], k: IssueKey, at: LinkedAt): IssueLink[] | 'linked' | 'full' {
  if (links.some((l) => sameIssue(l, k))) return 'linked';
  if (links.length >= MAX_LINKS) return 'full';
  const ack: Ack = at === 'open' ? { kind: 'o' } : at === 'closed' ? { kind: 'x' } : { kind: at.notPlanned ? 'n' : 'c', eventId: at.closedBy, moved: false };
  return [...links, { repoId: k.repoId, number: k.number, ack }];
}

export function withoutLink(links: readonly IssueLink[], k: IssueKey): IssueLink[] {
  return links.filter((l) => !sameIssue(l, k));
}

/** A custom field of a Desk ticket as Desk's API answers it: under `cf`, or `customFields` (read both); '' when absent. */
export function customField(ticket: Readonly<Record<string, unknown>>, field: string): string {
  const cf = typeof ticket.cf === 'object' && ticket.cf !== null ? ticket.cf : ticket.customFields;
  const v = typeof cf === 'object' && cf !== null ? (cf as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' ? v : '';
}
