import sanitizeHtml from 'sanitize-html';
import { nestingDepth } from './html-depth.js';

/*
 * Everything external that Desk renders to agents passes through here (design
 * invariant 11). GitHub sanitises its own HTML, but Desk shows what we send to every
 * agent of the installation: one hop is not trusted. An allow-list (sanitize-html,
 * maintained, htmlparser2 underneath) keeps what an agent needs to read an issue:
 * text formatting, links, images, code blocks, tables, task lists, quotes, details.
 */

const SCHEMES = ['http', 'https', 'mailto'];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'picture', 'source', 'del', 'ins', 'details', 'summary', 'input', 'g-emoji', 'tt'],
  allowedAttributes: {
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
    // No class: Desk has no GitHub stylesheet (a task list reads by its checkboxes), and
    // class filtering was a third of the sanitiser's time.
    '*': ['dir', 'lang'],
  },
  allowedSchemes: SCHEMES,
  allowedSchemesByTag: { img: ['http', 'https'], source: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'srcset', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Only a disabled checkbox (GitHub's task lists) survives as an input.
  exclusiveFilter: (frame) => frame.tag === 'input' && (frame.attribs.type !== 'checkbox' || frame.attribs.disabled === undefined),
  // Relative URLs are dropped: in Desk they would resolve against Desk's own origin
  // (an agent's browser sent to desk.zoho.com/x with its session), never to GitHub.
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...absolute(attribs, 'href'), rel: 'noopener noreferrer nofollow', target: '_blank' } }),
    img: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'src') }),
    source: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'srcset') }),
    blockquote: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'cite') }),
    q: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'cite') }),
  },
};

const ABSOLUTE = /^\s*(?:https?:\/\/|mailto:)/i;

/** `attribs` without `name` unless every URL in it is absolute (srcset holds several, comma separated). */
function absolute(attribs: sanitizeHtml.Attributes, name: string): sanitizeHtml.Attributes {
  const value = attribs[name];
  if (value === undefined) return attribs;
  const urls = name === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value];
  if (urls.every((u) => ABSOLUTE.test(u))) return attribs;
  const { [name]: _dropped, ...rest } = attribs;
  return rest;
}

/**
 * GitHub's renderer nests a few dozen levels at most (lists in quotes in tables); the
 * sanitiser's parser slows down quadratically on thousands of unclosed levels.
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
  const safe = nestingDepth(html, MAX_HTML_DEPTH) > MAX_HTML_DEPTH ? TOO_DEEP_NOTICE : withinCap(sanitizeHtml(html, OPTIONS));
  memo.set(html, safe);
  return safe;
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
    const out = sanitizeHtml(safe.slice(0, cut), OPTIONS) + TOO_LONG_NOTICE;
    if (out.length <= max) return out;
  }
}

/**
 * The sanitiser is a pure function of its input with fixed options, and GitHub re-sends
 * the same body_html at every pull of an updated issue (and a story event repeats its
 * issue's): the last few MB of answers are kept, keyed by the exact input, so a repeat
 * costs a lookup instead of a parse (sanitize-html is ~40 µs a body, most of a full
 * pull's CPU). A hit returns what a fresh run would, so nothing is less safe.
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
