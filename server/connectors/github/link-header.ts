/**
 * Finds the URL of rel="next" in a Link header. A hand-written scanner, not a
 * regular expression, so a hostile header costs linear time (octokit's paginate had a
 * ReDoS here).
 */
export function nextLink(header: string | undefined): string | undefined {
  return linkTo(header, 'next');
}

/** The URL of the given relation (next, last, prev, first) in a Link header. */
export function linkTo(header: string | undefined, rel: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  for (const part of header.split(',')) {
    const open = part.indexOf('<');
    const close = part.indexOf('>', open + 1);
    if (open < 0 || close < 0) continue;
    const params = part.slice(close + 1).split(';');
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
      if (name === 'rel' && value.split(/\s+/).includes(rel)) return part.slice(open + 1, close).trim();
    }
  }
  return undefined;
}
