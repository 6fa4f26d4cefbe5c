import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Desk's HASH: HMAC-SHA256 keyed with the extension's manifest `secret`.
 *
 * For Invoke (protocol §6.2) the hashed string is `key=value` pairs joined by `&`, in
 * the fixed order below, skipping absent or empty fields, values raw (not URL-encoded),
 * digest in lowercase hex. Desk's docs list the order; the exact line was cut off, so
 * the rest follows the only sample written against the live service. securityContext
 * is not part of it.
 */
export const INVOKE_HASH_ORDER = ['requestURL', 'requestType', 'queryParams', 'postBody', 'headers', 'connectionLinkName'] as const;

export type InvokeHashFields = Partial<Record<(typeof INVOKE_HASH_ORDER)[number], string>>;

export function invokeStringToHash(fields: InvokeHashFields): string {
  return INVOKE_HASH_ORDER.filter((k) => fields[k] !== undefined && fields[k] !== '')
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

export function hmacHex(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

export function invokeHash(secret: string, fields: InvokeHashFields): string {
  return hmacHex(secret, invokeStringToHash(fields));
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    // Compare against itself so the time spent does not depend on where they differ.
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/**
 * Verifies the HASH header of a lifecycle callback. Desk does not say which string it
 * signs for callbacks (open question 1), so we accept the HMAC of the raw body in hex
 * (the Invoke convention) or base64; both are compared in constant time.
 */
export function verifyBodyHash(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header || header.length > 256) return false;
  const mac = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = header.trim();
  const hexOk = safeEqual(given.toLowerCase(), mac.toString('hex'));
  const b64Ok = safeEqual(given, mac.toString('base64'));
  return hexOk || b64Ok;
}
