import { noAnswer } from './json-answer.js';

export interface TargetCall {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
}

export type TargetAnswer = { ok: true; status: number; text: string; headers: Record<string, string> } | { ok: false; detail: string };

/** Headers the proxy sets itself for its own request to the target. */
const PROXY_OWNED = ['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade'];

/**
 * Builds the target request Desk makes for an Invoke call (§6.1): requestURL with
 * `{{installationId}}` substituted (§5, [SAMPLE]) and queryParams added, the headers
 * JSON, the connection's credentials (§6.3) replacing any Authorization the caller
 * sent, and postBody for methods that carry one.
 */
export function targetCall(o: {
  requestURL: string;
  installationId: string;
  requestType: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  token: string | undefined;
  postBody: string | undefined;
}): TargetCall {
  const url = new URL(o.requestURL.replaceAll('{{installationId}}', o.installationId));
  for (const [k, v] of Object.entries(o.query)) url.searchParams.set(k, v);
  const headers = new Headers(o.headers);
  for (const h of PROXY_OWNED) headers.delete(h);
  if (o.token !== undefined) headers.set('authorization', `Bearer ${o.token}`);
  const carriesBody = o.requestType !== 'GET' && o.postBody !== undefined && o.postBody !== '';
  return { url, method: o.requestType, headers, body: carriesBody ? o.postBody : undefined };
}

/** Performs it. Redirects are handed back, not followed: whether Desk follows them is undocumented. */
export async function callTarget(c: TargetCall, timeoutMs: number): Promise<TargetAnswer> {
  try {
    const res = await fetch(c.url, { method: c.method, headers: c.headers, body: c.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { ok: true, status: res.status, text, headers };
  } catch (err) {
    return { ok: false, detail: noAnswer(err) };
  }
}
