/** Builds elements from text only: outside strings become text nodes, never HTML. */
export function el(tag: string, className: string | undefined, ...children: Array<Node | string | undefined>): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
