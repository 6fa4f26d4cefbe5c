import { isDeskHost } from './data-centres.js';
import { AppError } from '../errors.js';
import { invokeHash, type InvokeHashFields } from './hash.js';

/** What Desk's Invoke proxy tells us of the target's answer, unwrapped. */
export interface InvokeResult {
  status: number;
  /** The target's response headers, lower-cased, where Desk passes them (often it does not). */
  headers: Record<string, string>;
  /** The target's body as text (JSON text for JSON APIs). */
  body: string;
  /** False when the envelope carried no status code and 200 was assumed. */
  statusKnown: boolean;
}

export interface InvokeCall {
  orgId: string;
  securityContext: string;
  requestURL: string;
  requestType: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  queryParams?: Record<string, string>;
  postBody?: string;
  headers?: Record<string, string>;
  connectionLinkName?: string;
  signal?: AbortSignal;
}

export interface InvokeClientOptions {
  deskApiUrl: string;
  secret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Calls Desk's Invoke API (protocol §6): POST {DESK_API_URL}/api/v1/invoke?orgId=…,
 * form-encoded INVOKE_API_REQUEST_PAYLOAD, HASH header. Desk applies the named
 * connection's credentials to the target call, so the server never sees the token.
 */
export class InvokeClient {
  readonly #endpoint: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: InvokeClientOptions) {
    this.#endpoint = new URL('/api/v1/invoke', options.deskApiUrl).toString();
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#fetch = options.fetch ?? fetch;
  }

  async call(c: InvokeCall): Promise<InvokeResult> {
    const fields: InvokeHashFields = {
      requestURL: c.requestURL,
      requestType: c.requestType,
      queryParams: c.queryParams && Object.keys(c.queryParams).length > 0 ? JSON.stringify(c.queryParams) : undefined,
      postBody: c.postBody,
      headers: c.headers ? JSON.stringify(c.headers) : undefined,
      connectionLinkName: c.connectionLinkName,
    };
    const form = new URLSearchParams({ securityContext: c.securityContext });
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') form.set(k, v);

    let url = `${this.#endpoint}?orgId=${encodeURIComponent(c.orgId)}`;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = c.signal ? AbortSignal.any([c.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      for (let hop = 0; ; hop++) {
        res = await this.#fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            HASH: invokeHash(this.#secret, fields),
          },
          body: form.toString(),
          signal,
          redirect: 'manual',
        });
        // Zoho's PHP sample follows Invoke's redirects (CURLOPT_FOLLOWLOCATION), e.g. to
        // another data centre; we do too, with the same signed form, but only to a Zoho
        // Desk origin, so a redirect can never carry the securityContext elsewhere.
        const next = REDIRECTS.has(res.status) ? res.headers.get('location') : null;
        if (next === null) break;
        await res.body?.cancel();
        const target = deskRedirectTarget(url, next, this.#endpoint);
        if (!target || hop >= MAX_REDIRECTS) {
          throw new AppError(
            'DESK_UNAVAILABLE',
            `Desk Invoke redirected ${c.requestType} ${pathOf(c.requestURL)} ${target ? 'too often' : 'outside Zoho Desk'}`,
          );
        }
        url = target;
      }
      text = await res.text();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('DESK_UNAVAILABLE', `Desk Invoke ${c.requestType} ${pathOf(c.requestURL)} failed: ${describe(err)}`, { cause: err });
    }
    if (res.status >= 500) {
      throw new AppError('DESK_UNAVAILABLE', `Desk Invoke answered ${res.status} for ${c.requestType} ${pathOf(c.requestURL)}`);
    }
    if (res.status === 401 || res.status === 403) {
      // Desk names a wrong HASH and an expired context differently; its exact codes are
      // undocumented (open question 12), so look for the word rather than a code.
      const code = /hash|signature/i.test(text) ? 'DESK_INVOKE_REFUSED' : 'DESK_CONTEXT_EXPIRED';
      throw new AppError(code, `Desk Invoke refused ${c.requestType} ${pathOf(c.requestURL)} (${res.status})`);
    }
    if (res.status >= 400) {
      throw new AppError('DESK_INVOKE_REFUSED', `Desk Invoke answered ${res.status} for ${c.requestType} ${pathOf(c.requestURL)}`);
    }
    return unwrapInvokeEnvelope(text);
  }
}

/** Redirects that keep the method and body (303 would turn the call into a GET). */
const REDIRECTS = new Set([301, 302, 307, 308]);
const MAX_REDIRECTS = 3;

/**
 * Where a redirect from Invoke may go: an https Zoho Desk origin, or the configured
 * endpoint's own origin (DESK_API_URL, e.g. a staging proxy). Anything else is refused.
 */
export function deskRedirectTarget(from: string, location: string, endpoint: string): string | undefined {
  let u: URL;
  try {
    u = new URL(location, from);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return undefined;
  const zoho = u.protocol === 'https:' && isDeskHost(u.hostname) && (u.port === '' || u.port === '443');
  return zoho || u.origin === new URL(endpoint).origin ? u.toString() : undefined;
}

/**
 * Unwraps INVOKE_API_RESPONSE_OBJECT defensively (§6.4): `response` is a JSON string
 * (or an object) whose `statusMessage` is the target's body, itself sometimes a JSON
 * string again; a status code and headers may or may not be present.
 */
export function unwrapInvokeEnvelope(text: string): InvokeResult {
  const outer = parseJson(text);
  if (!isObject(outer) || !('response' in outer)) {
    throw new AppError('DESK_UNAVAILABLE', 'Desk Invoke answered without a response envelope');
  }
  const inner = peel(outer.response, 2);
  if (!isObject(inner)) {
    throw new AppError('DESK_UNAVAILABLE', 'Desk Invoke answered with an unreadable response envelope');
  }
  const rawStatus = inner.statusCode ?? inner.status ?? inner.code;
  const status = typeof rawStatus === 'number' ? rawStatus : typeof rawStatus === 'string' && /^\d{3}$/.test(rawStatus) ? Number(rawStatus) : undefined;
  const message = 'statusMessage' in inner ? peel(inner.statusMessage, 2) : undefined;
  const body = message === undefined || message === null ? '' : typeof message === 'string' ? message : JSON.stringify(message);
  return { status: status ?? 200, statusKnown: status !== undefined, headers: headersOf(peel(inner.headers, 1)), body };
}

function headersOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const s = Array.isArray(v) ? v.join(', ') : v;
    if (typeof s === 'string' || typeof s === 'number') out[k.toLowerCase()] = String(s);
  }
  return out;
}

/** Parses a value while it is a string holding JSON, at most `depth` times. */
function peel(value: unknown, depth: number): unknown {
  let v = value;
  for (let i = 0; i < depth && typeof v === 'string'; i++) {
    const t = v.trimStart();
    if (!(t.startsWith('{') || t.startsWith('[') || t.startsWith('"'))) break;
    const parsed = parseJson(v);
    if (parsed === undefined) break;
    v = parsed;
  }
  return v;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The path of a URL, for messages: never the query (it may carry a key). */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}

function describe(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  return code ?? (err instanceof Error ? err.name : 'error');
}
