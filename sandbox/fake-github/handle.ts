import type http from 'node:http';
import type { Socket } from 'node:net';
import type { FakeStore } from './store.js';
import type { Fault, FaultQueue } from './faults.js';
import type { RateLimits } from './rate-limits.js';
import { errorBody, route, webPage, type FakeResponse } from './routes.js';
import type { FakeHooks } from './hooks.js';

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  ifNoneMatch?: string;
  /** The media type asked for (the bench's floor asks the same). */
  accept?: string;
  at: number;
}

/** What one fake GitHub's requests are answered from. */
export interface FakeContext {
  token: string | undefined;
  nowMs: () => number;
  store: FakeStore;
  limits: RateLimits;
  faults: FaultQueue;
  hooks: FakeHooks;
  requests: RequestLogEntry[];
  /** Sockets a `timeout` fault holds open until close. */
  held: Set<Socket>;
  urls: () => { api: string; web: string };
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** One request, in GitHub's order: web page, injected fault, credentials, rate limit, then the API. */
export async function handle(f: FakeContext, req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const entry = logRequest(f, req, method, url);
  const web = method === 'GET' ? webPage(f.store, url.pathname) : undefined;
  if (web) return send(f, res, entry, web, undefined);

  const given = /^(?:bearer|token)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const rateKey = given ?? `ip:${req.socket.remoteAddress}`;
  const fault = f.faults.take(method, url.pathname);
  if (fault?.kind === 'gate' && fault.answerFirst) {
    const answer = refusal(f, given, rateKey) ?? answerApi(f, req, method, url, body, rateKey);
    fault.arrived?.();
    await fault.release.catch(() => undefined);
    return send(f, res, entry, answer, undefined);
  }
  if (!(await survivesFault(f, req, entry, fault))) return;
  const refused = faultAnswer(f, fault, rateKey) ?? refusal(f, given, rateKey);
  if (refused) return send(f, res, entry, refused, undefined);
  return send(f, res, entry, answerApi(f, req, method, url, body, rateKey), fault);
}

function logRequest(f: FakeContext, req: http.IncomingMessage, method: string, url: URL): RequestLogEntry {
  const entry: RequestLogEntry = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: f.nowMs() };
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string') entry.ifNoneMatch = inm;
  if (typeof req.headers.accept === 'string') entry.accept = req.headers.accept;
  f.requests.push(entry);
  return entry;
}

/** Waits out latency and gate faults; false when a timeout or reset fault leaves no answer to send. */
async function survivesFault(f: FakeContext, req: http.IncomingMessage, entry: RequestLogEntry, fault: Fault | undefined): Promise<boolean> {
  if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
  if (fault?.kind === 'gate') {
    fault.arrived?.();
    await fault.release.catch(() => undefined);
  }
  if (fault?.kind === 'timeout') {
    f.held.add(req.socket);
    entry.status = -1;
    return false;
  }
  if (fault?.kind === 'reset') {
    entry.status = -2;
    req.socket.destroy();
    return false;
  }
  return true;
}

/** The answer an injected status or rate-limit fault replaces the API's with. */
function faultAnswer(f: FakeContext, fault: Fault | undefined, rateKey: string): FakeResponse | undefined {
  if (fault?.kind === 'status') {
    return {
      status: fault.status,
      headers: { ...JSON_TYPE, ...f.limits.headers(rateKey) },
      body: JSON.stringify(fault.body ?? { message: 'Server Error' }),
    };
  }
  if (fault?.kind === 'rateLimit') return rateLimitAnswer(f, fault, rateKey);
  return undefined;
}

/** GitHub's 401 for a wrong token and 403 for a spent primary limit. */
function refusal(f: FakeContext, given: string | undefined, rateKey: string): FakeResponse | undefined {
  if (f.token !== undefined && given !== f.token) return { status: 401, headers: JSON_TYPE, body: errorBody(401, 'Bad credentials') };
  if (f.limits.exhausted(rateKey)) {
    return {
      status: 403,
      headers: { ...JSON_TYPE, ...f.limits.headers(rateKey) },
      body: errorBody(403, `API rate limit exceeded for user ID ${9_000_001}.`),
    };
  }
  return undefined;
}

/** The hooks API or the issues API, charged to the rate limit. */
function answerApi(f: FakeContext, req: http.IncomingMessage, method: string, url: URL, body: string, rateKey: string): FakeResponse {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const hookPath = /^\/repos\/([^/]+\/[^/]+)(\/hooks(?:\/\d+)?)\/?$/.exec(url.pathname);
  const hookAnswer = hookPath && f.store.repo(hookPath[1]!) ? f.hooks.route(method, hookPath[1]!, hookPath[2]!, body) : undefined;
  const answer = hookAnswer ?? route(f.store, f.limits, { method, path: url.pathname, query: url.searchParams, headers, body, urls: f.urls(), rateKey });
  // Conditional requests answered 304 do not count against the primary limit.
  if (answer.status !== 304) f.limits.spend(rateKey);
  answer.headers = { ...answer.headers, ...f.limits.headers(rateKey), 'x-github-api-version-selected': '2022-11-28' };
  return answer;
}

function rateLimitAnswer(f: FakeContext, fault: Extract<Fault, { kind: 'rateLimit' }>, key: string): FakeResponse {
  const status = fault.status ?? 403;
  if (fault.type === 'primary') {
    const w = f.limits.window(key);
    const reset = fault.retryAfter !== undefined ? f.store.now() + fault.retryAfter : w.reset;
    const headers: Record<string, string> = {
      ...JSON_TYPE,
      ...f.limits.headers(key),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': String(w.limit),
      'x-ratelimit-reset': String(reset),
    };
    return { status, headers, body: errorBody(status, 'API rate limit exceeded for user ID 9000001.') };
  }
  const headers: Record<string, string> = { ...JSON_TYPE, ...f.limits.headers(key) };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  return { status, headers, body: errorBody(status, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.') };
}

/** Writes the answer, or drops or truncates it as the fault says. */
function send(f: FakeContext, res: http.ServerResponse, entry: RequestLogEntry, answer: FakeResponse, fault: Fault | undefined): void {
  entry.status = answer.status;
  const date = new Date(f.nowMs()).toUTCString();
  const bytes = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, { ...answer.headers, date, 'content-length': String(bytes.length) });
  if (fault?.kind === 'dropResponse') {
    entry.status = -3;
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === 'truncate') {
    entry.status = -4;
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    setImmediate(() => res.socket?.destroy());
    return;
  }
  res.end(bytes);
}
