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
