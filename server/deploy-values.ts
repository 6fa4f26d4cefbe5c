/**
 * The deployment values both sides must agree on, checked by one code path: the server
 * at start (config.ts) and `npm run pack` (scripts/pack.ts), so a zip that the server
 * would refuse cannot be built. Each check returns the problem, or undefined; `name` is
 * how the caller spells the value (an environment variable or a flag).
 */

/** Desk's HASH key: the manifest's `secret`, and the server's EXTENSION_SECRET. */
export function secretProblem(name: string, value: string | undefined): string | undefined {
  if (!value) return `${name} is required: the \`secret\` of plugin-manifest.json, used for Desk's HASH`;
  if (value.length < 16) return `${name} must be at least 16 characters`;
  if (value.length > 256 || /[^\x21-\x7e]/.test(value)) return `${name} must be at most 256 printable ASCII characters, without spaces`;
  return undefined;
}

/** The `?key=` written into the packed URLs, and the server's DESK_URL_KEY. */
export function urlKeyProblem(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? undefined : `${name} must be 16 to 128 characters of A-Z a-z 0-9 _ -`;
}

/**
 * A base URL: https (http only on loopback when `loopbackHttp`, for the sandbox and
 * tests), no credentials, query or fragment. Answers the normalised form: origin and
 * path without trailing slashes.
 */
export function baseUrlProblem(name: string, raw: string, options: { loopbackHttp: boolean }): { url?: string; problem?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { problem: `${name} is not a URL` };
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(options.loopbackHttp && u.protocol === 'http:' && loopback)) {
    return { problem: options.loopbackHttp ? `${name} must be an https:// URL (http:// only on loopback)` : `${name} must be an https:// URL` };
  }
  if (u.username || u.password || u.search || u.hash) return { problem: `${name} must not carry credentials, a query or a fragment` };
  return { url: u.origin + u.pathname.replace(/\/+$/, '') };
}
