/*
 * One HTML tokenizer for everything we read of external HTML: the sanitiser (what Desk
 * shows) and the depth check (what a reply's Markdown converter may parse). It follows
 * the HTML standard's tokenization where an attacker could use a difference: comments
 * (`<!-->` and `<!--->` end at once, otherwise `-->` or `--!>`), bogus comments
 * (`<!x>`, `<?x>`, `</ x>`, CDATA outside foreign content) up to the first `>`, tag
 * names up to whitespace, `/` or `>` (`<x.a>` is the element `x.a`), quoted attribute
 * values that open only after `=`, raw text and RCDATA elements (script, style, xmp,
 * iframe, noembed, noframes, textarea, title, plaintext) that end only at their own end
 * tag, and a tag cut by the end of the input that is no tag. One forward pass: every
 * character is looked at a bounded number of times, so any body costs linear time.
 */

export type Attribute = [name: string, value: string];

export interface TokenSink {
  /** Text as written: character references are not decoded. */
  text(raw: string): void;
  /** A start tag: name lower-cased; attributes in order, the first of each name kept, values as written. */
  open(name: string, attributes: Attribute[]): void;
  close(name: string): void;
  /** The whole content of a raw text or RCDATA element, as written. */
  raw(name: string, content: string): void;
  /** Set to stop reading (the rest of the input is never looked at). */
  stop?: boolean;
  /** Whether a start tag's attributes are wanted (default all): the others are only skipped over, not read. */
  wants?(name: string): boolean;
}

/** Elements whose content is text up to their own end tag (RCDATA: textarea and title decode references). */
export const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'textarea', 'title', 'plaintext']);
export const RCDATA = new Set(['textarea', 'title']);

const TAB = 0x09;
const LF = 0x0a;
const FF = 0x0c;
const CR = 0x0d;
const SPACE = 0x20;
const SLASH = 0x2f;
const GT = 0x3e;
const EQ = 0x3d;

/** Character classes of ASCII, looked up rather than compared (this loop is most of a pull's sanitising). */
const SPACE_BIT = 1;
const NAME_END_BIT = 2;
const ALPHA_BIT = 4;
const CLASS = new Uint8Array(128);
for (const c of [SPACE, LF, TAB, CR, FF]) CLASS[c] = SPACE_BIT | NAME_END_BIT;
CLASS[SLASH] = NAME_END_BIT;
CLASS[GT] = NAME_END_BIT;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = CLASS[c + 0x20] = ALPHA_BIT;

const isSpace = (c: number): boolean => c < 128 && (CLASS[c]! & SPACE_BIT) !== 0;
const isAlpha = (c: number): boolean => c < 128 && (CLASS[c]! & ALPHA_BIT) !== 0;
/** What ends a tag name: whitespace, `/`, `>`. */
const endsName = (c: number): boolean => c < 128 && (CLASS[c]! & NAME_END_BIT) !== 0;

/** Reads `html` once, start to end, telling `sink` its tokens. */
export function tokenize(html: string, sink: TokenSink): void {
  const n = html.length;
  let i = 0;
  let textFrom = 0;
  const flush = (to: number) => {
    if (to > textFrom) sink.text(html.slice(textFrom, to));
  };
  while (!sink.stop) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const c = html.charCodeAt(lt + 1);
    const closing = c === SLASH && isAlpha(html.charCodeAt(lt + 2));
    if (closing || isAlpha(c)) {
      const tag = readTag(html, lt + (closing ? 2 : 1), closing ? undefined : sink);
      flush(lt);
      if (!tag) {
        // A tag cut by the end of the input: no tag, and nothing after it.
        textFrom = i = n;
        break;
      }
      i = textFrom = tag.end;
      if (closing) {
        sink.close(tag.name);
        continue;
      }
      sink.open(tag.name, tag.attributes);
      if (RAW_TEXT.has(tag.name)) {
        const end = tag.name === 'plaintext' ? n : rawTextEnd(html, tag.name, i);
        if (!sink.stop) sink.raw(tag.name, html.slice(i, end));
        // The end tag itself is read as any end tag, next.
        i = textFrom = end;
      }
      continue;
    }
    if (c === SLASH) {
      const c2 = html.charCodeAt(lt + 2);
      if (c2 === GT) {
        // `</>` is nothing at all.
        flush(lt);
        i = textFrom = lt + 3;
      } else if (lt + 2 >= n) {
        // `</` at the very end is text.
        i = n;
      } else {
        flush(lt);
        i = textFrom = bogusCommentEnd(html, lt + 2);
      }
      continue;
    }
    if (c === 0x21 /* ! */) {
      flush(lt);
      i = textFrom = html.startsWith('<!--', lt) ? commentEnd(html, lt + 4) : bogusCommentEnd(html, lt + 2);
      continue;
    }
    if (c === 0x3f /* ? */) {
      flush(lt);
      i = textFrom = bogusCommentEnd(html, lt + 2);
      continue;
    }
    // A `<` that opens nothing is text.
    i = lt + 1;
  }
  if (!sink.stop) flush(n);
}

const NONE: Attribute[] = [];

/**
 * A tag from its name (at `from`) to just past its `>`: name lower-cased, attributes as
 * the standard reads them (for an end tag, or a start tag whose attributes `sink` does
 * not want, skipped over by the same rules and not read); undefined when the input ends first.
 */
function readTag(html: string, from: number, sink: TokenSink | undefined): { name: string; attributes: Attribute[]; end: number } | undefined {
  const n = html.length;
  let j = from;
  while (j < n && !endsName(html.charCodeAt(j))) j++;
  let name = html.slice(from, j).toLowerCase();
  if (name === 'image') name = 'img';
  const read = sink !== undefined && (sink.wants?.(name) ?? true);
  const attributes: Attribute[] = read ? [] : NONE;
  let seen: Set<string> | undefined;
  for (;;) {
    let ch = html.charCodeAt(j);
    while (j < n && (isSpace(ch) || ch === SLASH)) ch = html.charCodeAt(++j);
    if (j >= n) return undefined;
    if (ch === GT) return { name, attributes, end: j + 1 };
    // An attribute name: a leading `=` belongs to it; it ends at whitespace, `/`, `>` or `=`.
    const nameFrom = j++;
    while (j < n) {
      ch = html.charCodeAt(j);
      if (endsName(ch) || ch === EQ) break;
      j++;
    }
    const nameTo = j;
    while (j < n && isSpace(html.charCodeAt(j))) j++;
    let valueFrom = j;
    let valueTo = j;
    if (j < n && html.charCodeAt(j) === EQ) {
      j++;
      while (j < n && isSpace(html.charCodeAt(j))) j++;
      if (j >= n) return undefined;
      const q = html.charCodeAt(j);
      if (q === 0x22 || q === 0x27) {
        const close = html.indexOf(q === 0x22 ? '"' : "'", j + 1);
        if (close < 0) return undefined;
        valueFrom = j + 1;
        valueTo = close;
        j = close + 1;
      } else {
        valueFrom = j;
        while (j < n && !isSpace(html.charCodeAt(j)) && html.charCodeAt(j) !== GT) j++;
        valueTo = j;
      }
    }
    if (!read) continue;
    const attr = html.slice(nameFrom, nameTo).toLowerCase();
    const value = valueTo > valueFrom ? html.slice(valueFrom, valueTo) : '';
    // The first of each name counts, as in the standard.
    if (attributes.length === 0) attributes.push([attr, value]);
    else {
      seen ??= new Set(attributes.map((a) => a[0]));
      if (!seen.has(attr)) {
        seen.add(attr);
        attributes.push([attr, value]);
      }
    }
  }
}

/** Where the content of raw text element `name` ends: at `</name` followed by whitespace, `/` or `>`, any case; else the end. */
function rawTextEnd(html: string, name: string, from: number): number {
  const n = html.length;
  for (let j = from; ;) {
    const at = html.indexOf('</', j);
    if (at < 0) return n;
    const end = at + 2 + name.length;
    if (end <= n && html.slice(at + 2, end).toLowerCase() === name && (end === n || endsName(html.charCodeAt(end)))) return at;
    j = at + 2;
  }
}

/**
 * Where a comment opened at `<!--` ends: `<!-->` and `<!--->` at once; otherwise just
 * past `-->` or `--!>`; unterminated, at the end of the input.
 */
function commentEnd(html: string, from: number): number {
  if (html.charCodeAt(from) === GT) return from + 1;
  if (html.charCodeAt(from) === 0x2d && html.charCodeAt(from + 1) === GT) return from + 2;
  // One forward scan for `--`: each comment costs what it spans, so many comments stay linear.
  for (let j = from; ;) {
    const k = html.indexOf('--', j);
    if (k < 0) return html.length;
    if (html.charCodeAt(k + 2) === GT) return k + 3;
    if (html.charCodeAt(k + 2) === 0x21 && html.charCodeAt(k + 3) === GT) return k + 4;
    j = k + 1;
  }
}

/** A bogus comment (`<!x>`, `<?x>`, `</ x>`, `<![CDATA[…`) ends just past the first `>`. */
function bogusCommentEnd(html: string, from: number): number {
  const end = html.indexOf('>', from);
  return end < 0 ? html.length : end + 1;
}

/** Elements that never hold children. */
export const VOID = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

const P = new Set(['p']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
/** A start tag closes these open elements first (`<li>a<li>b`, `<p>a<div>`): htmlparser2's table, which the reference sanitiser uses. */
const CLOSED_BY = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['p', P],
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h): [string, Set<string>] => [h, HEADINGS]),
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((f): [string, Set<string>] => [f, FORM]),
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
  ...[
    'address',
    'article',
    'aside',
    'blockquote',
    'details',
    'div',
    'dl',
    'fieldset',
    'figcaption',
    'figure',
    'footer',
    'form',
    'header',
    'hr',
    'main',
    'nav',
    'ol',
    'pre',
    'section',
    'table',
    'ul',
  ].map((b): [string, Set<string>] => [b, P]),
  ['rt', new Set(['rt', 'rp'])],
  ['rp', new Set(['rt', 'rp'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
]);

/**
 * The elements open at a point of the token stream, as a tree builder keeps them: a
 * start tag first closes what it implies (CLOSED_BY), an end tag closes everything
 * opened after its element, an end tag with no open element is ignored. `onClose` hears
 * each element closed, innermost first.
 */
export class OpenElements<T extends { name: string }> {
  readonly stack: T[] = [];
  constructor(private readonly onClose: (e: T) => void) {}

  /** Before `name` opens: closes what it implies. */
  implied(name: string): void {
    const closes = CLOSED_BY.get(name);
    if (!closes) return;
    while (this.stack.length > 0 && closes.has(this.stack[this.stack.length - 1]!.name)) this.onClose(this.stack.pop()!);
  }

  push(e: T): void {
    this.stack.push(e);
  }

  /** Closes `name` and everything opened inside it; false when no such element is open. */
  close(name: string): boolean {
    let at = this.stack.length - 1;
    while (at >= 0 && this.stack[at]!.name !== name) at--;
    if (at < 0) return false;
    while (this.stack.length > at) this.onClose(this.stack.pop()!);
    return true;
  }

  closeAll(): void {
    while (this.stack.length > 0) this.onClose(this.stack.pop()!);
  }
}

/**
 * How deeply the elements of `html` nest as a tree builder would open them (every
 * element, known or not), read with the tokenizer above; stops reading once past `limit`.
 */
export function nestingDepth(html: string, limit: number): number {
  let max = 0;
  const open = new OpenElements<{ name: string }>(() => undefined);
  const sink: TokenSink = {
    text: () => undefined,
    raw: () => undefined,
    wants: () => false,
    open: (name) => {
      open.implied(name);
      if (VOID.has(name)) return;
      open.push({ name });
      if (open.stack.length > max) max = open.stack.length;
      if (max > limit) sink.stop = true;
    },
    close: (name) => void open.close(name),
  };
  tokenize(html, sink);
  return max;
}
