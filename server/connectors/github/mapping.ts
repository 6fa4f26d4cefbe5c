import type { SyncActor, SyncThread, SyncTicket } from '../../desk/wire-types.js';
import type { SyncUnit } from '../../sync/batch.js';
import type { GhComment, GhIssue, GhUser } from './github-types.js';
import { issueExtra } from './issue-extra.js';
import { GHOST_ACTOR_EXT_ID, actorExtId, bodyThreadExtId, commentThreadExtId, ticketExtId } from './ext-ids.js';
import { plainText, safeHttpUrl, sanitiseHtml, withinCap } from '../../desk/sanitise.js';

/** Comments by the repository's own people are the "agent side" of the conversation. */
const OWN_PEOPLE = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
/** Desk's limit on a thread's content is undocumented; GitHub caps a body at 65,536 characters of Markdown. */
const MAX_CONTENT = 500_000;

/** An issue becomes a ticket plus its body as the first thread. */
export function issueUnit(repo: string, issue: GhIssue): SyncUnit {
  const extId = ticketExtId(repo, issue.number);
  const actor = actorOf(issue.user);
  const createdTime = iso(issue.createdAt);
  const modifiedTime = iso(issue.updatedAt);
  const ticket: SyncTicket = {
    extId,
    subject: subjectOf(issue.title),
    createdTime,
    modifiedTime,
    actor,
    extra: issueExtra(repo, issue),
  };
  const body: SyncThread = {
    extId: bodyThreadExtId(repo, issue.number),
    extParentId: extId,
    createdTime,
    modifiedTime,
    content: contentOf(issue.bodyHtml),
    contentType: 'text/html',
    direction: directionOf(issue.authorAssociation),
    from: actor.name,
    canReply: true,
    actor,
  };
  return { tickets: [ticket], threads: [body] };
}

/** A comment becomes a thread of its issue's ticket; an edit re-sends the same extId. */
export function commentThread(repo: string, c: GhComment): SyncThread {
  const actor = actorOf(c.user);
  return {
    extId: commentThreadExtId(repo, c.id),
    extParentId: ticketExtId(repo, c.issueNumber),
    createdTime: iso(c.createdAt),
    modifiedTime: iso(c.updatedAt),
    content: contentOf(c.bodyHtml),
    contentType: 'text/html',
    direction: directionOf(c.authorAssociation),
    from: actor.name,
    canReply: true,
    actor,
  };
}

export function directionOf(association: string): 'in' | 'out' {
  return OWN_PEOPLE.has(association) ? 'out' : 'in';
}

export function actorOf(user: GhUser | null): SyncActor {
  if (!user) return { extId: GHOST_ACTOR_EXT_ID, name: 'ghost', displayName: 'Deleted GitHub user' };
  const login = plainText(user.login) || 'ghost';
  const photoURL = safeHttpUrl(user.avatar_url);
  return {
    extId: actorExtId(user.id, user.login),
    name: login.slice(0, 255),
    displayName: `${login.slice(0, 240)} (GitHub)`,
    ...(photoURL ? { photoURL } : {}),
  };
}

function subjectOf(title: string): string {
  const t = plainText(title).trim();
  return t.length === 0 ? '(no title)' : t.length > 255 ? `${t.slice(0, 254)}…` : t;
}

/** A body as Desk shows it: sanitised (a cut tag is closed or dropped by the sanitiser), within Desk's cap. */
export function contentOf(html: string): string {
  if (html.trim() === '') return '<p><em>No description provided.</em></p>';
  const cut = html.length > MAX_CONTENT;
  const safe = sanitiseHtml(cut ? html.slice(0, MAX_CONTENT) : html);
  if (safe.trim() === '') return '<p><em>No readable content.</em></p>';
  return cut ? withinCap(`${safe}<p><em>(truncated: read the rest on GitHub)</em></p>`) : safe;
}

/** The day part (`YYYY-MM-DDT`) of the last day `iso` wrote: a pull's items mostly share a few days. */
let isoDay = Number.NaN;
let isoDayText = '';

/**
 * Desk wants ISO-8601 with milliseconds (protocol §3.2): what Date#toISOString writes
 * for whole seconds, with the date part kept from the last call (four per issue: a
 * Date and its formatting each time were 2% of a full pull's CPU).
 */
export function iso(epochSeconds: number): string {
  const s = Math.floor(epochSeconds);
  const day = Math.floor(s / 86_400);
  if (day !== isoDay) {
    const full = new Date(day * 86_400_000).toISOString();
    isoDayText = full.slice(0, full.indexOf('T') + 1);
    isoDay = day;
  }
  const inDay = s - day * 86_400;
  return `${isoDayText}${two(Math.floor(inDay / 3600))}:${two(Math.floor(inDay / 60) % 60)}:${two(inDay % 60)}.000Z`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
