/**
 * What an agent sends to GitHub (often public) from a ticket, with the customer masked
 * by default: e-mail addresses, phone numbers and the customer's names. The preview shows
 * exactly the text these functions produce, and that text is what is sent.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** Seven or more digits with the usual separators: phone numbers, not issue numbers or versions. */
const PHONE = /(?:\+|\b)\d(?:[\d ().-]{5,}\d)\b/g;

export function mask(text: string, who: { names: string[]; email?: string; phone?: string }): string {
  let out = text.replace(EMAIL, '[email]');
  out = out.replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 7 ? '[phone]' : m));
  // The whole name first (longest first), so "Jane Doe" is one [customer], then each part alone.
  const words = who.names.flatMap((n) => [n.trim(), ...n.split(/\s+/)]).filter((w) => w.length > 1);
  for (const w of [...new Set(words)].sort((a, b) => b.length - a.length))
    out = out.replace(new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(w)}(?=$|[^\\p{L}\\p{N}])`, 'giu'), (_m, before: string) => `${before}[customer]`);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A ticket's HTML description as plain Markdown-safe text: paragraphs and line breaks kept, markup dropped. */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  for (const br of Array.from(doc.querySelectorAll('br'))) br.replaceWith('\n');
  for (const block of Array.from(doc.querySelectorAll('p, div, li, h1, h2, h3, h4, blockquote, pre'))) block.append('\n');
  for (const drop of Array.from(doc.querySelectorAll('script, style'))) drop.remove();
  return (doc.body.textContent ?? '')
    .replace(/\r/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The issue body as it goes to GitHub: the agent's text, and a line saying where it came from, naming no customer. */
export function issueBody(text: string): string {
  return `${text.trim()}\n\n---\n_Reported through the help desk._`;
}
