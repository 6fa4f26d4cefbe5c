/**
 * Desk's bodies nest a few levels (configParams, resource, actor). Deeper JSON is
 * refused before it is parsed or validated, so a hostile body costs one linear scan.
 */
export const MAX_JSON_DEPTH = 32;

/** True when arrays and objects in `text` nest deeper than `limit` (strings are skipped). */
export function jsonTooDeep(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // a backslash escapes the next character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}
