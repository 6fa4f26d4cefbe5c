import { createHmac } from 'node:crypto';
import { safeEqual } from '../../desk/hash.js';

/**
 * The invisible mark a reply from Desk carries at the end of its GitHub comment: an
 * HTML comment, which GitHub does not render. It makes a reply findable again (so a
 * retried push posts nothing new) and keeps our own replies from coming back as
 * customer messages. The key is an HMAC, with the extension secret, of the installation,
 * the ticket and the reply's Markdown, so a GitHub user cannot forge one to hide a
 * comment from Desk.
 */
const PREFIX = '<!-- zoho-desk-reply:';
const TRAILING_MARK = /\n\n<!-- zoho-desk-reply:([A-Za-z0-9_-]{22}) -->\s*$/;

export interface ReplyIdentity {
  orgId: string;
  ticket: string;
}

export function replyKey(secret: string, who: ReplyIdentity, markdown: string): string {
  return createHmac('sha256', secret).update(`${who.orgId}\n${who.ticket}\n${markdown}`).digest('base64url').slice(0, 22);
}

export function withMarker(markdown: string, key: string): string {
  return `${markdown}\n\n${PREFIX}${key} -->`;
}

export function hasMarker(body: string, key: string): boolean {
  return body.includes(`${PREFIX}${key} -->`);
}

/** True when `body` ends with a genuine mark of a reply this installation posted on `ticket`. */
export function isOwnReply(secret: string, who: ReplyIdentity, body: string): boolean {
  const m = TRAILING_MARK.exec(body);
  if (!m) return false;
  const markdown = body.slice(0, m.index);
  return safeEqual(m[1]!, replyKey(secret, who, markdown));
}

/**
 * The mark of the escalation loop's count comment ("N help-desk tickets are linked to
 * this issue"): an HMAC of the installation and the comment's text, like a reply's, so
 * the pull and the deliveries skip it and nobody can forge one.
 */
const COUNT_PREFIX = '<!-- zoho-desk-count:';
const COUNT_MARK = /\n\n<!-- zoho-desk-count:([A-Za-z0-9_-]{22}) -->\s*$/;

function countKey(secret: string, orgId: string, markdown: string): string {
  return createHmac('sha256', secret).update(`count\n${orgId}\n${markdown}`).digest('base64url').slice(0, 22);
}

export function withCountMarker(secret: string, orgId: string, markdown: string): string {
  return `${markdown}\n\n${COUNT_PREFIX}${countKey(secret, orgId, markdown)} -->`;
}

/** True when `body` is this installation's count comment. */
export function isOwnCount(secret: string, orgId: string, body: string): boolean {
  const m = COUNT_MARK.exec(body);
  return m !== null && safeEqual(m[1]!, countKey(secret, orgId, body.slice(0, m.index)));
}
