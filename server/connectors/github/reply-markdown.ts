import TurndownService from 'turndown';
import { AppError } from '../../errors.js';
import type { PushResource } from '../../desk/wire-types.js';
import { sanitiseHtml } from '../../desk/sanitise.js';

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

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements a parser closes when the same one opens again (`<li>a<li>b`). */
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option']);

/**
 * How deeply the elements of `html` nest, in one linear pass without recursion; it
 * stops counting once past `limit`. Exact for well-formed HTML (the sanitiser's
 * output); on raw HTML a first estimate.
 */
export function nestingDepth(html: string, limit: number): number {
  const open: string[] = [];
  let max = 0;
  let i = 0;
  while ((i = html.indexOf('<', i)) >= 0) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const closing = html[i + 1] === '/';
    const nameStart = i + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < html.length && /[A-Za-z0-9-]/.test(html[nameEnd]!)) nameEnd++;
    if (nameEnd === nameStart || !/[A-Za-z]/.test(html[nameStart]!)) {
      // `<!doctype>`, `<?x>` or a lone `<` in text.
      i = html[nameStart] === '!' || html[nameStart] === '?' ? tagEnd(html, nameStart) : i + 1;
      continue;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    const end = tagEnd(html, nameEnd);
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at >= 0) open.length = at;
    } else if (!VOID.has(name)) {
      // `<div/>` opens a div in HTML: only void elements never hold children.
      if (IMPLIED_END.has(name) && open[open.length - 1] === name) open.pop();
      open.push(name);
      if (open.length > max) max = open.length;
      if (max > limit) return max;
    }
    i = end;
  }
  return max;
}

/**
 * The index just past the `>` that ends a tag. A quote opens a value only right after
 * `=` (as in HTML's tokenizer), so `a=b'c` cannot hide the tags that follow.
 */
function tagEnd(html: string, from: number): number {
  let quote = '';
  let valueStarts = false;
  for (let j = from; j < html.length; j++) {
    const ch = html[j]!;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (valueStarts && (ch === '"' || ch === "'")) {
      quote = ch;
      valueStarts = false;
    } else if (ch === '>') {
      return j + 1;
    } else if (ch === '=') {
      valueStarts = true;
    } else if (!/\s/.test(ch)) {
      valueStarts = false;
    }
  }
  return html.length;
}
