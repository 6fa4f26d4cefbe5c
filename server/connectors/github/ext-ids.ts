/**
 * Stable Desk extIds for GitHub things (design invariant 3). Repositories are named in
 * lower case, as GitHub treats owner/repo case-insensitively.
 *   ticket            acme/widgets#42
 *   issue body thread acme/widgets#42:body
 *   comment thread    acme/widgets#c123456789
 *   story thread      acme/widgets#e987654321 (an issue event: closed, labelled, …)
 *   actor             gh-user:583231
 */
export const REPO_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38})\/[a-z0-9._-]{1,100}$/;

export const ticketExtId = (repo: string, issue: number): string => `${repo}#${issue}`;
export const bodyThreadExtId = (repo: string, issue: number): string => `${repo}#${issue}:body`;
export const commentThreadExtId = (repo: string, comment: number): string => `${repo}#c${comment}`;
export const eventThreadExtId = (repo: string, event: number): string => `${repo}#e${event}`;
export const actorExtId = (userId: number | string): string => `gh-user:${userId}`;

export type ParsedExtId =
  | { kind: 'ticket'; repo: string; issue: number }
  | { kind: 'body'; repo: string; issue: number }
  | { kind: 'comment'; repo: string; comment: number }
  | { kind: 'event'; repo: string; event: number };

/** Reads an extId of ours back; anything else is undefined (never trusted as a URL). */
export function parseExtId(extId: string): ParsedExtId | undefined {
  const m = /^([a-z0-9][a-z0-9-]{0,38}\/[a-z0-9._-]{1,100})#([ce]?)(\d{1,19})(:body)?$/.exec(extId);
  if (!m) return undefined;
  const [, repo, c, digits, body] = m as unknown as [string, string, string, string, string | undefined];
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  if (c === 'e') return body ? undefined : { kind: 'event', repo, event: n };
  if (c) return body ? undefined : { kind: 'comment', repo, comment: n };
  return body ? { kind: 'body', repo, issue: n } : { kind: 'ticket', repo, issue: n };
}
