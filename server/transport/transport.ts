import { AppError } from '../errors.js';

/**
 * How a connector's HTTP call leaves the server. The connector builds requests against
 * the API's root, with the headers its service wants, and never knows whether they go
 * straight out (self-hosted, sandbox) or through Desk's Invoke proxy (production, where
 * Desk adds the OAuth token). Transports know HTTP and Invoke, no service.
 */
export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the API root (`/repos/a/b/issues`) or an absolute URL the API gave us (Link rel="next"). */
  target: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-cased names. Empty where the transport cannot see them (Invoke, often). */
  headers: Record<string, string>;
  body: string;
  /** False when the transport could not see the response headers. */
  headersVisible: boolean;
}

export interface Transport {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

/**
 * Resolves a target against the API root and refuses anything outside it, so a
 * hostile Link header cannot send our credentials to another host.
 */
export function resolveTarget(apiRoot: string, target: string, query?: Record<string, string>): URL {
  const root = new URL(apiRoot.endsWith('/') ? apiRoot : `${apiRoot}/`);
  // A target that is not ours comes from the API's answer (a Link header): a bad answer.
  const url = target.startsWith('/') ? new URL(root.pathname.replace(/\/$/, '') + target, root) : URL.parse(target);
  if (!url || url.origin !== root.origin || !url.pathname.startsWith(root.pathname.replace(/\/$/, '') + '/')) {
    throw new AppError('UPSTREAM_BAD_RESPONSE', 'refusing to follow a link outside the API root');
  }
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url;
}

/** A call's time limit (15 s unless the caller gives one), joined with the caller's own signal. */
export function callSignal(r: Pick<OutboundRequest, 'signal' | 'timeoutMs'>): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(r.timeoutMs ?? 15_000)));
  return r.signal ? AbortSignal.any([r.signal, timeout]) : timeout;
}
