/*
 * HTML parsers that build a tree (domino, under turndown) take time quadratic in its
 * depth, and tree walkers recurse: the depth is measured first, in one linear pass.
 */

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
      i = commentEnd(html, i + 4);
      continue;
    }
    const closing = html[i + 1] === '/';
    const nameStart = i + (closing ? 2 : 1);
    if (!isAsciiAlpha(html.charCodeAt(nameStart))) {
      // `<!doctype>`, `<?x>`, `</ >` (bogus comments, up to the next `>`) or a lone `<` in text.
      const c = html[nameStart];
      i = c === '!' || c === '?' || (closing && c !== undefined) ? bogusEnd(html, nameStart) : i + 1;
      continue;
    }
    // As HTML's tokenizer reads a tag name: everything up to whitespace, `/` or `>`
    // (`<x.a>` is the element x.a, not x), so no name can slip past the count.
    let nameEnd = nameStart;
    while (nameEnd < html.length && !NAME_END.has(html.charCodeAt(nameEnd))) nameEnd++;
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

/** Whitespace (tab, LF, FF, CR, space), `/` and `>`: what ends a tag name in HTML. */
const NAME_END = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x2f, 0x3e]);
const isAsciiAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * Where a comment opened at `<!--` ends, as HTML's tokenizer says (the earliest of its
 * rules, so that no parser sees tags we took for comment): `<!-->` and `<!--->` end at
 * once; otherwise at `-->` or `--!>`; unterminated, at the end of the input.
 */
function commentEnd(html: string, from: number): number {
  if (html[from] === '>') return from + 1;
  if (html[from] === '-' && html[from + 1] === '>') return from + 2;
  // One forward scan for `--`: each comment costs what it spans, so many comments stay linear.
  for (let j = from; ;) {
    const k = html.indexOf('--', j);
    if (k < 0) return html.length;
    if (html[k + 2] === '>') return k + 3;
    if (html[k + 2] === '!' && html[k + 3] === '>') return k + 4;
    j = k + 1;
  }
}

/** A bogus comment (`<!x>`, `<?x>`, `</ x>`) ends at the first `>`. */
function bogusEnd(html: string, from: number): number {
  const end = html.indexOf('>', from);
  return end < 0 ? html.length : end + 1;
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
