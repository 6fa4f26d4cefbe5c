import type http from 'node:http';
import { hashMatches } from './invoke-hash.js';

export interface InvokeLogEntry {
  at: number;
  /** Target path only: a query may carry secrets. */
  requestURL: string;
  requestType: string;
  connectionLinkName: string | undefined;
  hashOk: boolean;
  status: number;
}

export interface InvokeSettings {
  secret: string;
  orgId: string;
  securityContext: () => string;
  connections: Record<string, { token: string }>;
  envelope: { includeStatus: boolean; includeHeaders: boolean; statusMessageAs: 'object' | 'string' };
  log: InvokeLogEntry[];
}

const TYPES = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Desk's Invoke API (protocol §6): a form-encoded call, signed with HASH, that Desk
 * carries out against the target with the named connection's credentials, answering
 * with the nested envelope `{"response": "<JSON: statusCode, statusMessage, headers>"}`.
 * When the target cannot be reached the simulator answers 502 (Desk's own behaviour
 * there is undocumented).
 */
export async function handleInvoke(s: InvokeSettings, url: URL, req: http.IncomingMessage, raw: string): Promise<{ status: number; body: unknown }> {
  const entry: InvokeLogEntry = { at: Date.now(), requestURL: '', requestType: '', connectionLinkName: undefined, hashOk: false, status: 0 };
  s.log.push(entry);
  const answer = (status: number, body: unknown) => {
    entry.status = status;
    return { status, body };
  };
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return answer(415, { errorCode: 'UNSUPPORTED_MEDIA_TYPE', message: 'Invoke takes a form-encoded body' });
  }
  const form = new URLSearchParams(raw);
  const target = form.get('requestURL') ?? '';
  const type = form.get('requestType') ?? '';
  entry.requestType = type;
  entry.connectionLinkName = form.get('connectionLinkName') ?? undefined;
  try {
    entry.requestURL = new URL(target).pathname;
  } catch {
    return answer(422, { errorCode: 'INVALID_DATA', message: 'requestURL is not a URL' });
  }
  if (url.searchParams.get('orgId') !== s.orgId) return answer(401, { errorCode: 'INVALID_OAUTH', message: 'unknown orgId' });
  if (form.get('securityContext') !== s.securityContext()) return answer(401, { errorCode: 'INVALID_OAUTH', message: 'securityContext is invalid or expired' });
  const hash = req.headers.hash;
  entry.hashOk = hashMatches(s.secret, form, typeof hash === 'string' ? hash : undefined);
  if (!entry.hashOk) return answer(401, { errorCode: 'INVALID_HASH', message: 'HASH mismatch' });
  if (!TYPES.has(type)) return answer(422, { errorCode: 'INVALID_DATA', message: 'requestType' });

  const headers: Record<string, string> = {};
  try {
    Object.assign(headers, JSON.parse(form.get('headers') || '{}'));
    const query = JSON.parse(form.get('queryParams') || '{}') as Record<string, string>;
    const t = new URL(target);
    for (const [k, v] of Object.entries(query)) t.searchParams.set(k, String(v));
    const link = entry.connectionLinkName;
    if (link) {
      const conn = s.connections[link];
      if (!conn) return answer(400, { errorCode: 'INVALID_CONNECTION', message: `no connection ${link}` });
      headers.authorization = `Bearer ${conn.token}`;
    }
    const body = form.get('postBody');
    const res = await fetch(t, { method: type, headers, ...(body && type !== 'GET' ? { body } : {}), signal: AbortSignal.timeout(30_000), redirect: 'manual' });
    const text = await res.text();
    let message: unknown = text;
    if (s.envelope.statusMessageAs === 'object') {
      try {
        message = text ? JSON.parse(text) : '';
      } catch {
        message = text;
      }
    }
    const inner: Record<string, unknown> = { statusMessage: message };
    if (s.envelope.includeStatus) inner.statusCode = res.status;
    if (s.envelope.includeHeaders) {
      const h: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        h[k] = v;
      });
      inner.headers = h;
    }
    return answer(200, { response: JSON.stringify(inner) });
  } catch (err) {
    return answer(502, { errorCode: 'TARGET_UNREACHABLE', message: err instanceof Error ? err.name : 'error' });
  }
}
