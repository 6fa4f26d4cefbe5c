import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Desk's side of the Invoke HASH (§6.2), written here rather than imported from the
 * server's signing code so that a mistake there is caught, not mirrored: the form
 * fields in the documented order as raw `key=value`, joined by `&`, absent or empty
 * fields left out, securityContext not included; HMAC-SHA256 keyed with the manifest
 * secret, lowercase hex.
 */
const ORDER = ['requestURL', 'requestType', 'queryParams', 'postBody', 'headers', 'connectionLinkName'];

export function expectedInvokeHash(secret: string, form: URLSearchParams): string {
  const parts: string[] = [];
  for (const name of ORDER) {
    const value = form.get(name);
    if (value !== null && value !== '') parts.push(`${name}=${value}`);
  }
  return createHmac('sha256', secret).update(parts.join('&'), 'utf8').digest('hex');
}

/** Constant-time, so the simulator does not teach a timing oracle by example. */
export function invokeHashMatches(secret: string, form: URLSearchParams, given: string | undefined): boolean {
  if (!given) return false;
  const want = Buffer.from(expectedInvokeHash(secret, form), 'utf8');
  const got = Buffer.from(given, 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}
