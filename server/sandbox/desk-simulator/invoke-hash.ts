import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Desk's side of the Invoke HASH (protocol §6.2), written apart from the server's own
 * signing code so that a mistake there is caught here: the form fields in the
 * documented order, `key=value` joined by `&`, empty ones left out, HMAC-SHA256 with
 * the extension secret, lowercase hex.
 */
export function expectedInvokeHash(secret: string, form: URLSearchParams): string {
  const parts: string[] = [];
  for (const name of ['requestURL', 'requestType', 'queryParams', 'postBody', 'headers', 'connectionLinkName']) {
    const v = form.get(name);
    if (v !== null && v !== '') parts.push(name + '=' + v);
  }
  return createHmac('sha256', secret).update(parts.join('&')).digest('hex');
}

export function hashMatches(secret: string, form: URLSearchParams, given: string | undefined): boolean {
  if (!given) return false;
  const want = Buffer.from(expectedInvokeHash(secret, form));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function bodyHash(secret: string, raw: string): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}
