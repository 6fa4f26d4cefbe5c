/**
 * Finds the URL of rel="next" in a Link header. A hand-written scanner, not a
 * regular expression, so a hostile header costs linear time (octokit's paginate had a
 * ReDoS here).
 */
export function nextLink(header: string | undefined): string | undefined {
  return linkTo(header, 'next');
}

/**
 * The URL of the given relation (next, last, prev, first) in a Link header, read as
 * RFC 8288 writes it: `<URI>` then `; name=value` parameters, links separated by commas.
 * A comma inside `<…>` (GitHub's `labels=bug,ui`) or inside a quoted value belongs to
 * it. One pass over the header: every character is looked at a bounded number of times.
 */
export function linkTo(header: string | undefined, rel: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  const n = header.length;
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  /** Past the next comma that is outside quotes: where the next link starts (recovery from a malformed one). */
  const skipLink = (): void => {
    for (let quoted = false; i < n; i++) {
      const c = header[i];
      if (quoted && c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) return void i++;
    }
  };
  while (i < n) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (header[i] !== '<') {
      skipLink();
      continue;
    }
    const close = header.indexOf('>', i + 1);
    if (close < 0) return undefined;
    const uri = header.slice(i + 1, close).trim();
    i = close + 1;
    let rels: string[] = [];
    for (;;) {
      skipSpace();
      if (header[i] !== ';') break;
      i++;
      skipSpace();
      const nameStart = i;
      while (i < n && !'=;,'.includes(header[i]!)) i++;
      const name = header.slice(nameStart, i).trim().toLowerCase();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          for (; i < n && header[i] !== '"'; i++) value += header[i] === '\\' && i + 1 < n ? header[++i] : header[i];
          i++;
        } else {
          const start = i;
          while (i < n && header[i] !== ';' && header[i] !== ',') i++;
          value = header.slice(start, i).trim();
        }
      }
      if (name === 'rel') rels = value.toLowerCase().split(/[ \t]+/);
    }
    if (rels.includes(rel)) return uri;
    skipLink();
  }
  return undefined;
}
