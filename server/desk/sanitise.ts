import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { OpenElements, RCDATA, tokenize, VOID, type Attribute, type TokenSink } from './html-tokens.js';

/*
 * Everything external that Desk renders to agents passes through here (design
 * invariant 11). GitHub sanitises its own HTML, but Desk shows what we send to every
 * agent of the installation: one hop is not trusted. An allow-list keeps what an agent
 * needs to read an issue: text formatting, links, images, code blocks, tables, task
 * lists, quotes, details. One pass over the tokens of html-tokens.ts (the same tokenizer
 * measures the depth), and the output is written, never copied: only allowed elements
 * with allowed attributes, every value and every text escaped, so a browser parses it
 * into exactly the elements we wrote, whatever the input's tricks. sanitize-html, with
 * the same allow-list, is the reference the tests compare against (README, Security).
 */

/** The allowed elements: sanitize-html's defaults, plus what GitHub's HTML needs. */
export const ALLOWED_TAGS = new Set([
  ...['address', 'article', 'aside', 'footer', 'header', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hgroup', 'main', 'nav', 'section'],
  ...['blockquote', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'hr', 'li', 'menu', 'ol', 'p', 'pre', 'ul'],
  ...['a', 'abbr', 'b', 'bdi', 'bdo', 'br', 'cite', 'code', 'data', 'dfn', 'em', 'i', 'kbd', 'mark', 'q', 'rb', 'rp', 'rt', 'rtc', 'ruby'],
  ...['s', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'var', 'wbr'],
  ...['caption', 'col', 'colgroup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr'],
  ...['img', 'picture', 'source', 'del', 'ins', 'details', 'summary', 'input', 'g-emoji', 'tt'],
]);

/** Attributes kept per element ('*': on every allowed element). No class: Desk has no GitHub stylesheet, and a task list reads by its checkboxes. */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title', 'rel', 'target'],
  img: ['src', 'alt', 'title', 'width', 'height', 'align'],
  source: ['srcset', 'media', 'type'],
  input: ['type', 'checked', 'disabled'],
  td: ['align', 'colspan', 'rowspan'],
  th: ['align', 'colspan', 'rowspan'],
  ol: ['start', 'type'],
  li: ['value'],
  details: ['open'],
  'g-emoji': ['alias'],
  '*': ['dir', 'lang'],
};
const ATTRIBUTES = new Map(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, new Set([...names, ...ALLOWED_ATTRIBUTES['*']!])]));
const GLOBAL_ATTRIBUTES = new Set(ALLOWED_ATTRIBUTES['*']);

/** Attributes that mean nothing empty (dropped then); the others read as booleans (`checked`, `disabled`, `open`). `alt=""` is kept. */
const NEVER_EMPTY = new Set([
  'href',
  'title',
  'rel',
  'target',
  'src',
  'width',
  'height',
  'srcset',
  'media',
  'type',
  'colspan',
  'rowspan',
  'start',
  'value',
  'dir',
  'lang',
]);

/**
 * Disallowed elements whose content goes with them (the rest lose the tag and keep the
 * text): the reference's list, and the raw text of iframe, noembed and noframes, which
 * browsers never show (the reference reads it as markup).
 */
const CONTENT_DROPPED = new Set(['script', 'style', 'textarea', 'option', 'xmp', 'iframe', 'noembed', 'noframes']);

/** Written `<x />`, as the reference writes them. */
const SELF_CLOSING = new Set(['img', 'br', 'hr', 'input', 'col']);

/**
 * Only absolute URLs Desk can follow: a relative one would resolve against Desk's own
 * origin (an agent's browser sent to desk.zoho.com/x with its session), never to GitHub.
 * Links: http, https and mailto; images and sources: http and https. Leading whitespace
 * as browsers strip it (ASCII only: any other character before the scheme makes a
 * relative URL, which is dropped).
 */
const LINK = /^[\t\n\f\r ]*(?:https?:\/\/|mailto:)/i;
const MEDIA = /^[\t\n\f\r ]*https?:\/\//i;

/**
 * GitHub's renderer nests a few dozen levels at most (lists in quotes in tables); deeper
 * is an attack on whatever builds a tree of it (Desk's editor, the reply converter).
 */
export const MAX_HTML_DEPTH = 256;
export const TOO_DEEP_NOTICE = "<p><em>(This content is nested too deeply to show here: open it at its source through the ticket's link.)</em></p>";

/**
 * Desk's cap on a ticket's description and a thread's content (1,000,000 characters).
 * Sanitising can lengthen a body (300 KB of bare `&` becomes 1.5 M characters of
 * `&amp;`): one such issue would have Desk refuse every pull until the issue changed.
 */
export const MAX_CONTENT_CHARS = 1_000_000;
export const TOO_LONG_NOTICE = "<p><em>(This content is longer than Desk shows: the rest is at its source, through the ticket's link.)</em></p>";

/** External HTML, reduced to the allow-list: no script, style, handler, frame, form or foreign URL scheme; within Desk's cap. */
export function sanitiseHtml(html: string): string {
  const known = memo.get(html);
  if (known !== undefined) return known;
  const safe = allowList(html);
  const out = safe === undefined ? TOO_DEEP_NOTICE : withinCap(safe);
  memo.set(html, out);
  return out;
}

const escapeText = (s: string): string => (/[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);
const escapeValue = (s: string): string => (/[&<>"]/.test(s) ? escapeText(s).replace(/"/g, '&quot;') : s);
const textOf = (raw: string): string => escapeText(raw.includes('&') ? decodeHTML(raw) : raw);

interface Frame {
  name: string;
  /** Written to the output (its end tag is written when it closes). */
  kept: boolean;
  /** Its text is dropped (script, style, option…). */
  drops: boolean;
}

/**
 * The allow-list in one pass over the tokens; undefined when the elements nest deeper
 * than MAX_HTML_DEPTH (every element counts, kept or not: the depth of the input's tree).
 */
export function allowList(html: string): string | undefined {
  let out = '';
  let dropping = 0;
  let tooDeep = false;
  const open = new OpenElements<Frame>((f) => {
    if (f.kept) out += `</${f.name}>`;
    if (f.drops) dropping--;
  });
  const sink: TokenSink = {
    wants: (name) => dropping === 0 && ALLOWED_TAGS.has(name),
    text(raw) {
      if (dropping === 0) out += textOf(raw);
    },
    raw(name, content) {
      // Raw text of an element that is never kept: its text stays (title, iframe…) unless its content goes with it.
      if (dropping === 0 && !CONTENT_DROPPED.has(name)) out += RCDATA.has(name) ? textOf(content) : escapeText(content);
    },
    open(name, attributes) {
      open.implied(name);
      const attrs = ALLOWED_TAGS.has(name) && dropping === 0 ? attributesOf(name, attributes) : undefined;
      if (attrs !== undefined) out += `<${name}${attrs}${SELF_CLOSING.has(name) ? ' />' : '>'}`;
      if (VOID.has(name)) return;
      const drops = attrs === undefined && CONTENT_DROPPED.has(name);
      if (drops) dropping++;
      open.push({ name, kept: attrs !== undefined, drops });
      if (open.stack.length > MAX_HTML_DEPTH) tooDeep = sink.stop = true;
    },
    close(name) {
      if (open.close(name)) return;
      // As tree builders do: `</br>` is a line break, `</p>` with none open an empty paragraph.
      if (dropping > 0) return;
      if (name === 'br') out += '<br />';
      else if (name === 'p') out += '<p></p>';
    },
  };
  tokenize(html, sink);
  if (tooDeep) return undefined;
  open.closeAll();
  return out;
}

/**
 * The attributes an allowed element keeps, written (` a="b"`), or undefined when the
 * element goes (an input that is not a disabled checkbox: only GitHub's task lists).
 */
function attributesOf(tag: string, attributes: Attribute[]): string | undefined {
  const allowed = ATTRIBUTES.get(tag) ?? GLOBAL_ATTRIBUTES;
  let out = '';
  let type: string | undefined;
  let disabled = false;
  for (const [name, raw] of attributes) {
    if (!allowed.has(name)) continue;
    const value = raw.includes('&') ? decodeHTMLAttribute(raw) : raw;
    if (name === 'type') type = value;
    if (name === 'disabled') disabled = true;
    if (tag === 'a' && (name === 'rel' || name === 'target')) continue;
    if (value === '') {
      if (name === 'alt') out += ' alt=""';
      else if (!NEVER_EMPTY.has(name)) out += ` ${name}`;
      continue;
    }
    if (name === 'href' && !LINK.test(value)) continue;
    if (name === 'src' && !MEDIA.test(value)) continue;
    if (name === 'srcset' && !value.split(',').every((c) => MEDIA.test(c.trim().split(/[\t\n\f\r ]+/)[0] ?? ''))) continue;
    out += ` ${name}="${escapeValue(value)}"`;
  }
  if (tag === 'input' && (type !== 'checkbox' || !disabled)) return undefined;
  // Links open outside Desk, and tell the target nothing of Desk.
  if (tag === 'a') out += ' rel="noopener noreferrer nofollow" target="_blank"';
  return out;
}

/**
 * Safe HTML over Desk's cap, cut where no tag or entity is open and sanitised again (so
 * every element the cut left open is closed), with a notice that the rest is at the source.
 */
export function withinCap(safe: string, max = MAX_CONTENT_CHARS): string {
  if (safe.length <= max) return safe;
  // Re-sanitising can lengthen what is kept (an entity closed, a tag completed): cut shorter until it fits.
  for (let room = max - TOO_LONG_NOTICE.length; ; room = Math.floor(room * 0.9)) {
    let cut = room;
    const lt = safe.lastIndexOf('<', cut - 1);
    if (lt > safe.lastIndexOf('>', cut - 1)) cut = lt;
    const amp = safe.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp > cut - 12 && safe.indexOf(';', amp) >= cut) cut = amp;
    const out = (allowList(safe.slice(0, cut)) ?? '') + TOO_LONG_NOTICE;
    if (out.length <= max) return out;
  }
}

/**
 * The sanitiser is a pure function of its input with fixed options, and GitHub re-sends
 * the same body_html at every pull of an updated issue (and a story event repeats its
 * issue's): the last few MB of answers are kept, keyed by the exact input, so a repeat
 * costs a lookup instead of a parse (a parse per body, most of a full pull's CPU). A hit returns what a fresh run would, so nothing is less safe.
 */
class SanitiseMemo {
  readonly #entries = new Map<string, string>();
  #chars = 0;
  constructor(
    /** Input plus output characters kept at most (0 turns the memo off). */
    public maxChars: number,
    /** Larger inputs are not kept: one would push out hundreds of ordinary bodies. */
    readonly maxEntryChars = 64 * 1024,
  ) {}

  get(html: string): string | undefined {
    const hit = this.#entries.get(html);
    if (hit === undefined) return undefined;
    // Most recently used last: eviction takes from the front.
    this.#entries.delete(html);
    this.#entries.set(html, hit);
    return hit;
  }

  set(html: string, safe: string): void {
    const cost = html.length + safe.length;
    if (cost > this.maxEntryChars || cost > this.maxChars || this.#entries.has(html)) return;
    this.#entries.set(html, safe);
    this.#chars += cost;
    for (const [k, v] of this.#entries) {
      if (this.#chars <= this.maxChars) break;
      this.#entries.delete(k);
      this.#chars -= k.length + v.length;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** 8 M characters: a few thousand bodies, at most ~16 MB of strings per process. */
export const memo = new SanitiseMemo(8_000_000);

/** An external URL Desk may load or link: absolute http(s) without credentials, else undefined. */
export function safeHttpUrl(raw: string | null | undefined, maxLength = 2048): string | undefined {
  if (!raw || raw.length > maxLength) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  return url.href;
}

// C0/C1 controls (tab and newline kept) and the bidirectional overrides that can make text lie.
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * External text for a field Desk may render as markup (a subject, a name): control
 * characters dropped and `<` `>` replaced by look-alikes, so it reads the same and
 * cannot become a tag whatever Desk does with it (README, guesses).
 */
export function plainText(text: string): string {
  return text.replace(CONTROLS, '').replace(/</g, '‹').replace(/>/g, '›');
}
