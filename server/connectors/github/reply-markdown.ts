import TurndownService from 'turndown';
import { AppError } from '../../errors.js';
import type { PushResource } from '../../desk/wire-types.js';
import { sanitiseHtml } from '../../desk/sanitise.js';
import { nestingDepth } from '../../desk/html-tokens.js';

export { nestingDepth } from '../../desk/html-tokens.js';

/** GitHub refuses a comment body over 65,536 characters (its 422 "body is too long"). */
export const GITHUB_COMMENT_LIMIT = 65_536;
/**
 * Turndown walks the DOM recursively, so the depth it is given bounds its stack. Desk's
 * editor nests a few levels (lists in quotes in tables); 100 is far past any reply an
 * agent writes and far below the depth that overflows the stack (about 10,000).
 */
export const MAX_REPLY_DEPTH = 100;

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
turndown.remove(['script', 'style', 'head', 'title', 'iframe', 'object']);
// Text the agent sees is text on GitHub too: `&lt;!-- … --&gt;` or `&lt;img&gt;` typed in
// Desk must not become real (hidden or active) HTML in the comment. Code keeps its text.
const escapeMarkdown = turndown.escape.bind(turndown);
turndown.escape = (text: string) => escapeMarkdown(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * An agent's reply (HTML from Desk's editor) as GitHub Markdown, within bounded work.
 * Turndown's parser (domino) takes quadratic time in the depth and turndown recurses,
 * so the depth is measured first: roughly on the raw HTML (refusing the plain attack
 * in microseconds), then exactly on the sanitiser's output, which is well-formed
 * (every tag closed, every attribute quoted) and parsed by a linear, non-recursive
 * parser (htmlparser2), so what the scan counts is what domino builds.
 */
export function replyMarkdown(resource: Pick<PushResource, 'content' | 'summary'>): string {
  // The size is bounded at the edge (push-request.json: content at most 256 KB).
  const raw = resource.content ?? '';
  const tooDeep = (html: string) => nestingDepth(html, MAX_REPLY_DEPTH) > MAX_REPLY_DEPTH;
  if (tooDeep(raw)) throw new AppError('REPLY_TOO_DEEP', `the reply's HTML nests more than ${MAX_REPLY_DEPTH} elements deep`);
  const html = raw ? sanitiseHtml(raw) : '';
  if (tooDeep(html)) throw new AppError('REPLY_TOO_DEEP', `the reply's HTML nests more than ${MAX_REPLY_DEPTH} elements deep`);
  const fromHtml = html ? turndown.turndown(html).trim() : '';
  return fromHtml || (resource.summary ?? '').trim();
}
