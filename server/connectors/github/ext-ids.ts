/**
 * Stable Desk extIds for GitHub things (design invariant 3). Repositories are named in
 * lower case, as GitHub treats owner/repo case-insensitively. Every extId is URL-safe
 * (no `#`, `?`, `&`, `=`, `%` or space): Desk hands them back in the redirect URL's
 * query, where an unencoded `#` would cut the id and the URL key off.
 *   ticket            acme/widgets:42
 *   issue body thread acme/widgets:42:body
 *   comment thread    acme/widgets:c123456789
 *   story thread      acme/widgets:e987654321 (an issue event: closed, labelled, …)
 *   actor             gh-user:583231:octocat
 * The first forms (`acme/widgets#42`, `acme/widgets#42:body`, `acme/widgets#c123`) are
 * still read, so replies and links on tickets Desk already holds keep working.
 */
import { REPO_PATTERN } from './contract.js';
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

export const ticketExtId = (repo: string, issue: number): string => `${repo}:${issue}`;
export const bodyThreadExtId = (repo: string, issue: number): string => `${repo}:${issue}:body`;
export const commentThreadExtId = (repo: string, comment: number): string => `${repo}:c${comment}`;
export const eventThreadExtId = (repo: string, event: number): string => `${repo}:e${event}`;
/** The durable id makes the contact; the login rides along so Desk's profile link can name the page. */
export const actorExtId = (userId: number | string, login: string): string => (LOGIN.test(login) ? `gh-user:${userId}:${login}` : `gh-user:${userId}`);
export const GHOST_ACTOR_EXT_ID = 'gh-user:ghost';

/**
 * The issue's name inside a reply's marker key (marker.ts): the first extId form, kept
 * when the extIds changed so that replies posted before still verify as our own.
 */
export const markerTicket = (repo: string, issue: number): string => `${repo}#${issue}`;

export type ParsedExtId =
  | { kind: 'ticket'; repo: string; issue: number }
  | { kind: 'body'; repo: string; issue: number }
  | { kind: 'comment'; repo: string; comment: number }
  | { kind: 'event'; repo: string; event: number };

/** Reads an extId of ours back, in either form; anything else is undefined (never trusted as a URL). */
export function parseExtId(extId: string): ParsedExtId | undefined {
  const m = /^([a-z0-9][a-z0-9-]{0,38}\/[a-z0-9._-]{1,100})[#:]([ce]?)(\d{1,19})(:body)?$/.exec(extId);
  if (!m || !REPO_PATTERN.test(m[1]!)) return undefined;
  const [, repo, c, digits, body] = m as unknown as [string, string, string, string, string | undefined];
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  if (c === 'e') return body ? undefined : { kind: 'event', repo, event: n };
  if (c) return body ? undefined : { kind: 'comment', repo, comment: n };
  return body ? { kind: 'body', repo, issue: n } : { kind: 'ticket', repo, issue: n };
}

/**
 * The GitHub login a user_profile link names: ours (`gh-user:583231:octocat`, the ghost)
 * or a bare login, as Zoho's GitHub sample uses for its actors. An actor id without a
 * login (`gh-user:583231`) names no page.
 */
export function profileLogin(id: string): string | undefined {
  if (id === GHOST_ACTOR_EXT_ID) return 'ghost';
  const ours = /^gh-user:\d{1,19}:(.+)$/.exec(id);
  const login = ours ? ours[1]! : id;
  return LOGIN.test(login) ? login : undefined;
}
