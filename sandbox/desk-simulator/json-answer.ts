import type { Rejection } from './desk-store.js';

export type JsonAnswer =
  { ok: true; status: number; value: unknown; bytes: number } | { ok: false; status: number; rejection: Rejection; bytes: number; text: string };

/**
 * Reads a channel server's answer the way Desk documents it for pull and push (§2, §4):
 * HTTP 200, `application/json`, a JSON body. Checked in that order, so a 500 with a
 * JSON error body is reported as the status it is.
 */
export async function readJsonAnswer(res: Response): Promise<JsonAnswer> {
  const text = await res.text();
  const bytes = Buffer.byteLength(text);
  const refuse = (reason: Rejection['reason'], detail: string): JsonAnswer => ({ ok: false, status: res.status, rejection: { reason, detail }, bytes, text });
  if (res.status !== 200) return refuse('http_status', `HTTP ${res.status}: ${text.slice(0, 200)}`);
  const type = res.headers.get('content-type');
  if (mediaType(type) !== 'application/json') return refuse('content_type', `content-type ${type ?? '(none)'} is not application/json`);
  try {
    return { ok: true, status: res.status, value: JSON.parse(text) as unknown, bytes };
  } catch {
    return refuse('not_json', `the body is not JSON: ${text.slice(0, 100)}`);
  }
}

/** "application/json; charset=utf-8" -> "application/json"; a prefix match would let "application/jsonp" pass. */
export function mediaType(header: string | null | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The reason a request got no answer at all (refused connection, timeout), for a rejection's detail. */
export function noAnswer(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer: timed out';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  return `no answer: ${code ?? (err instanceof Error ? err.message : String(err))}`;
}
