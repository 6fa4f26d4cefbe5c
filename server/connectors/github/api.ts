import { AppError, type ErrorCode } from '../../errors.js';
import type { Transport } from '../../transport/transport.js';
import { linkTo, nextLink } from './link-header.js';
import { rateLimitedUntil, readRateLimit, type RateLimit } from './rate-limit.js';

/** A GitHub answer the connector could not use, with GitHub's status kept for callers that read it differently. */
export class GitHubError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly upstreamStatus: number,
    options: { cause?: unknown; retryAfter?: number; until?: number; upstreamMessage?: string } = {},
  ) {
    super(code, message, options);
    this.until = options.until;
    this.upstreamMessage = options.upstreamMessage ?? '';
  }
  /**
   * GitHub's own `message`, to classify the failure (locked, disabled, too long). Never
   * part of `message`: an upstream may echo our request, token included, and `message`
   * goes back to Desk.
   */
  readonly upstreamMessage: string;
  /** For rate limits: epoch seconds before which GitHub must not be called again. */
  readonly until: number | undefined;
}

export interface ApiResult<T> {
  status: number;
  data: T;
  etag?: string;
  nextUrl?: string;
  /** Link rel="last": the last page of the list. */
  lastUrl?: string;
  /** GitHub's clock (Date header), epoch seconds. */
  serverTime?: number;
  notModified: boolean;
}

export interface RequestOptions {
  query?: Record<string, string>;
  etag?: string | undefined;
  body?: unknown;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const MEDIA_FULL = 'application/vnd.github.full+json';
/** body_html alone: what an issue's ticket needs (its Markdown and text are never read), a third less to read and parse. */
export const MEDIA_HTML = 'application/vnd.github.html+json';
/** The REST API version every call asks for, whichever way it leaves. */
const API_VERSION = { 'x-github-api-version': '2022-11-28' };

/** What a direct call adds (TRANSPORT=direct); through Invoke, Desk adds the OAuth token itself. */
export function directHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'user-agent': 'github-issues-desk-channel' };
}

/**
 * GitHub's REST API over a transport: JSON in and out, rate-limit figures recorded,
 * every failure turned into a typed error. Messages name the method and the path,
 * never a full URL.
 */
export class GitHubApi {
  /** The rate limit as last seen; undefined while the transport hides headers. */
  rate: RateLimit | undefined;
  requests = 0;
  /** Consecutive rate-limit answers, for the back-off of limits without a reset time. */
  rateLimitStreak = 0;

  constructor(
    readonly transport: Transport,
    private readonly now: () => number = Date.now,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', target: string, o: RequestOptions = {}): Promise<ApiResult<T>> {
    const path = pathOf(target);
    this.requests++;
    const res = await this.send({
      method,
      target,
      ...(o.query ? { query: o.query } : {}),
      headers: { ...API_VERSION, accept: o.accept ?? MEDIA_FULL, ...(o.etag ? { 'if-none-match': o.etag } : {}) },
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
    const rate = readRateLimit(res.headers);
    if (rate) this.rate = rate;
    const serverTime = dateHeader(res.headers.date);
    const nowSeconds = Math.floor(this.now() / 1000);
    let status = res.status;
    let parsed: unknown;
    if (res.body.length > 0) {
      try {
        parsed = JSON.parse(res.body);
      } catch (cause) {
        if (status >= 200 && status < 300) {
          throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub ${method} ${path}: the answer is not JSON (truncated?)`, status, { cause });
        }
      }
    }
    if (!res.headersVisible && status === 200) status = inferStatus(parsed) ?? status;

    const until = rateLimitedUntil(status, res.headers, res.body, nowSeconds, this.rateLimitStreak + 1);
    if (until !== undefined) {
      this.rateLimitStreak++;
      throw new GitHubError('UPSTREAM_RATE_LIMITED', `GitHub ${method} ${path}: rate limited until ${new Date(until * 1000).toISOString()}`, status, {
        until,
        retryAfter: until - nowSeconds,
      });
    }
    if (status === 304 && o.etag) return { status, data: undefined as T, notModified: true, ...(serverTime ? { serverTime } : {}) };
    if (status >= 200 && status < 300) {
      this.rateLimitStreak = 0;
      const etag = res.headers.etag;
      const next = nextLink(res.headers.link);
      const last = linkTo(res.headers.link, 'last');
      return {
        status,
        data: parsed as T,
        notModified: false,
        ...(etag ? { etag } : {}),
        ...(next ? { nextUrl: next } : {}),
        ...(last ? { lastUrl: last } : {}),
        ...(serverTime ? { serverTime } : {}),
      };
    }
    throw failure(method, path, status, parsed);
  }

  /**
   * A list's pages, first to last, following Link rel="next" (as octokit's paginate), at
   * most `maxPages`; each page's items are checked to be a list. The time limit is asked
   * per request, so a walk ends with its pull.
   */
  async *pages(target: string, o: { query?: Record<string, string>; maxPages: number; timeoutMs: () => number }): AsyncGenerator<unknown[]> {
    let next: string | undefined;
    for (let page = 0; page < o.maxPages; page++) {
      const res = next
        ? await this.request<unknown>('GET', next, { timeoutMs: o.timeoutMs() })
        : await this.request<unknown>('GET', target, { ...(o.query ? { query: o.query } : {}), timeoutMs: o.timeoutMs() });
      if (!Array.isArray(res.data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET ${pathOf(target)}: not a list`, res.status);
      yield res.data;
      next = res.nextUrl;
      if (!next) return;
    }
  }

  /** The transport's call; its neutral failures get the service's name (a transport knows none). */
  private async send(r: Parameters<Transport['send']>[0]): Promise<Awaited<ReturnType<Transport['send']>>> {
    try {
      return await this.transport.send(r);
    } catch (err) {
      if (err instanceof AppError && !(err instanceof GitHubError) && err.code.startsWith('UPSTREAM_')) {
        throw new GitHubError(err.code, `GitHub ${err.message}`, 0, { cause: err });
      }
      throw err;
    }
  }
}

function failure(method: string, path: string, status: number, body: unknown): GitHubError {
  const said =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message.slice(0, 200)
      : '';
  const what = `GitHub ${method} ${path} answered ${status}`;
  const o = { upstreamMessage: said };
  if (status === 401) return new GitHubError('UPSTREAM_UNAUTHORIZED', what, status, o);
  if (status === 403) return new GitHubError('UPSTREAM_FORBIDDEN', what, status, o);
  if (status === 404) return new GitHubError('SOURCE_NOT_FOUND', what, status, o);
  if (status === 410) return new GitHubError('SOURCE_DISABLED', what, status, o);
  if (status === 301 || status === 302 || status === 307 || status === 308) {
    return new GitHubError('SOURCE_NOT_FOUND', `${what}: the repository was renamed or moved; update the repositories setting`, status, o);
  }
  if (status >= 500 || status === 0) return new GitHubError('UPSTREAM_UNAVAILABLE', what, status, o);
  return new GitHubError('UPSTREAM_BAD_RESPONSE', what, status, o);
}

/**
 * When Desk's Invoke envelope carries no status code, GitHub's error bodies still say
 * what happened ({"message": "Not Found", "documentation_url": …}).
 */
function inferStatus(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as { message?: unknown; documentation_url?: unknown; status?: unknown };
  if (typeof b.message !== 'string' || typeof b.documentation_url !== 'string') return undefined;
  if (typeof b.status === 'string' && /^\d{3}$/.test(b.status)) return Number(b.status);
  if (/bad credentials|requires authentication/i.test(b.message)) return 401;
  if (/rate limit/i.test(b.message)) return 403;
  if (/not found/i.test(b.message)) return 404;
  if (/disabled|gone|deleted/i.test(b.message)) return 410;
  if (/locked/i.test(b.message)) return 403;
  return 422;
}

function dateHeader(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function pathOf(target: string): string {
  if (target.startsWith('/')) return target.split('?')[0] ?? target;
  try {
    return new URL(target).pathname;
  } catch {
    return '(invalid url)';
  }
}
