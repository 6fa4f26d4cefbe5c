import { parseFragment } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** The elements of an HTML fragment as a standards-conforming parser (parse5) builds them, in document order. */
export function elementsOf(html: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node) => {
    if ('tagName' in n) out.push(n);
    if ('childNodes' in n) for (const c of n.childNodes) walk(c);
    if ('content' in n && n.content) walk(n.content as Node);
  };
  walk(parseFragment(html) as unknown as Node);
  return out;
}

/** The text a browser shows of `html` (parse5's text nodes, in order). */
export function textOf(html: string): string {
  const walk = (n: Node): string =>
    n.nodeName === '#text' ? (n as DefaultTreeAdapterMap['textNode']).value : 'childNodes' in n ? n.childNodes.map(walk).join('') : '';
  return walk(parseFragment(html) as unknown as Node);
}

/** How many of each element (name and attributes) parse5 builds of `html`. */
export function elementCounts(html: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of elementsOf(html)) {
    const key = `${e.tagName}${[...e.attrs]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((a) => ` ${a.name}=${JSON.stringify(a.value)}`)
      .join('')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Whether parse5 builds any comment node of `html`. */
export function hasComment(html: string): boolean {
  const walk = (n: Node): boolean => n.nodeName === '#comment' || ('childNodes' in n && n.childNodes.some(walk));
  return walk(parseFragment(html) as unknown as Node);
}

/**
 * A fragment's tree as parse5 builds it, written canonically (attributes sorted, text as
 * the parser decoded it, comments kept): two fragments that a browser reads alike write alike.
 */
export function canonical(html: string): string {
  const write = (n: Node): string => {
    if (n.nodeName === '#text') return JSON.stringify((n as DefaultTreeAdapterMap['textNode']).value);
    if (n.nodeName === '#comment') return `<!--${(n as DefaultTreeAdapterMap['commentNode']).data}-->`;
    const kids = 'childNodes' in n ? n.childNodes.map(write).join('') : '';
    if (!('tagName' in n)) return kids;
    const attrs = [...n.attrs].sort((a, b) => a.name.localeCompare(b.name)).map((a) => ` ${a.name}=${JSON.stringify(a.value)}`);
    return `<${n.namespaceURI === 'http://www.w3.org/1999/xhtml' ? '' : 'foreign:'}${n.tagName}${attrs.join('')}>${kids}</${n.tagName}>`;
  };
  return write(parseFragment(html) as unknown as Node);
}
