/**
 * Repository names in Desk's data-storage alphabet. A key or queriableValue may hold
 * only letters, digits, `,` `_` `:` and at most 50 characters (Desk: data-storage.html);
 * owner/repo also has `/`, `-` and `.`. `_` escapes: `__` is `_`, `_h` is `-`, `_d` is
 * `.`, and `:` stands for the `/` (which neither part may contain), so every name has
 * exactly one encoding and decodes back to itself.
 */
const ESCAPES: Record<string, string> = { _: '__', '-': '_h', '.': '_d', '/': ':' };
const UNESCAPES: Record<string, string> = { __: '_', _h: '-', _d: '.' };

export function encodeRepoName(repo: string): string {
  return repo.replace(/[_\-./]/g, (ch) => ESCAPES[ch]!);
}

/** The name back, or undefined for a string no repository encodes to. */
export function decodeRepoName(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9_]+:[A-Za-z0-9_]+$/.test(encoded)) return undefined;
  let bad = false;
  const out = encoded.replace(/_(.?)|:/g, (m) => {
    if (m === ':') return '/';
    const plain = UNESCAPES[m];
    if (plain === undefined) bad = true;
    return plain ?? '';
  });
  return bad ? undefined : out;
}

/** Desk's limit on keys and queriable values, and their alphabet. */
export const STORAGE_NAME = /^[A-Za-z0-9,_:]{1,50}$/;
