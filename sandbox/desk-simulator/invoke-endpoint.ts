import type { IncomingHttpHeaders } from 'node:http';
import { deskSchemas, firstError } from './desk-schemas.js';
import { invokeHashMatches } from './invoke-hash.js';
import { invokeEnvelope, type EnvelopeShape } from './invoke-envelope.js';
import { callTarget, targetCall, type TargetCall } from './invoke-forward.js';
import { mediaType } from './json-answer.js';

export interface InvokeLogEntry {
  at: number;
  /** Origin and path of the target only: a query may carry secrets. Empty when unreadable. */
  requestURL: string;
  requestType: string;
  connectionLinkName: string | undefined;
  hashOk: boolean;
  /** The HTTP status the simulator answered the Invoke call with. */
  status: number;
  /** The target's status, when the call reached it. */
  targetStatus?: number;
}

export interface InvokeSettings {
  secret: string;
  orgId: string;
  securityContext: string;
  installationId: string;
  connections: Record<string, { token: string }>;
  envelope: EnvelopeShape;
  log: InvokeLogEntry[];
  targetTimeoutMs: number;
}

export interface InvokeAnswer {
  status: number;
  body: unknown;
}

/**
 * Desk's Invoke API (§6): `POST /api/v1/invoke?orgId=…`, a form-encoded
 * INVOKE_API_REQUEST_PAYLOAD signed with HASH (§6.2). Desk checks who is calling
 * (orgId, securityContext, HASH), then makes the call with the named connection's
 * credentials and wraps the target's answer in the nested envelope (§6.4).
 *
 * Refusals use Zoho's API error body `{errorCode, message}`: 401 INVALID_OAUTH for a
 * wrong orgId or securityContext, 401 INVALID_HASH for a wrong or missing HASH,
 * 415/400/422 for a malformed call. An unknown connection answers an error envelope
 * (200, inner statusCode 400, errorCode INVALID_CONNECTION), as Desk's proxy answers
 * for the target. A target that cannot be reached answers 502 TARGET_UNREACHABLE
 * (Desk's behaviour undocumented; a 5xx tells the client "Desk side, retry later").
 */
export async function handleInvoke(s: InvokeSettings, url: URL, headers: IncomingHttpHeaders, raw: string): Promise<InvokeAnswer> {
  const entry: InvokeLogEntry = { at: Date.now(), requestURL: '', requestType: '', connectionLinkName: undefined, hashOk: false, status: 0 };
  s.log.push(entry);
  const answer = (status: number, body: unknown): InvokeAnswer => {
    entry.status = status;
    return { status, body };
  };
  const refuse = (status: number, errorCode: string, message: string) => answer(status, { errorCode, message });

  if (mediaType(headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'Invoke takes an application/x-www-form-urlencoded body');
  }
  const form = new URLSearchParams(raw);
  const fields: Record<string, string> = {};
  for (const [k, v] of form) {
    if (k in fields) return refuse(400, 'INVALID_DATA', `form field ${k} is given more than once`);
    fields[k] = v;
  }
  entry.requestType = fields.requestType ?? '';
  entry.connectionLinkName = fields.connectionLinkName;
  entry.requestURL = withoutQuery(fields.requestURL);

  const orgId = url.searchParams.getAll('orgId');
  if (orgId.length !== 1) return refuse(400, 'INVALID_DATA', 'the orgId query parameter is required once');
  if (orgId[0] !== s.orgId) return refuse(401, 'INVALID_OAUTH', 'orgId does not match the installation');
  if (fields.securityContext !== s.securityContext) return refuse(401, 'INVALID_OAUTH', 'securityContext is missing, invalid or expired');
  const hash = headers.hash;
  entry.hashOk = invokeHashMatches(s.secret, form, typeof hash === 'string' ? hash : undefined);
  if (!entry.hashOk) return refuse(401, 'INVALID_HASH', hash ? 'HASH mismatch' : 'HASH header missing');

  if (!deskSchemas.invokeRequest(fields)) return refuse(422, 'INVALID_DATA', `invoke payload: ${firstError(deskSchemas.invokeRequest.errors)}`);
  const query = jsonObject(fields.queryParams, (v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined));
  if (!query) return refuse(422, 'INVALID_DATA', 'queryParams must be a JSON object of strings, numbers or booleans');
  const targetHeaders = jsonObject(fields.headers, (v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined));
  if (!targetHeaders) return refuse(422, 'INVALID_DATA', 'headers must be a JSON object of strings');

  const link = fields.connectionLinkName;
  const connection = link === undefined ? undefined : s.connections[link];
  if (link !== undefined && !connection) {
    return answer(
      200,
      invokeEnvelope(
        s.envelope,
        400,
        JSON.stringify({ errorCode: 'INVALID_CONNECTION', message: `no connection named ${link} is authorised for this installation` }),
        {},
      ),
    );
  }

  let call: TargetCall;
  try {
    call = targetCall({
      requestURL: fields.requestURL!,
      installationId: s.installationId,
      requestType: fields.requestType!,
      query,
      headers: targetHeaders,
      token: connection?.token,
      postBody: fields.postBody,
    });
  } catch (err) {
    return refuse(422, 'INVALID_DATA', `the target request cannot be made: ${err instanceof Error ? err.message : String(err)}`);
  }
  const target = await callTarget(call, s.targetTimeoutMs);
  if (!target.ok) return refuse(502, 'TARGET_UNREACHABLE', `${entry.requestURL}: ${target.detail}`);
  entry.targetStatus = target.status;
  return answer(200, invokeEnvelope(s.envelope, target.status, target.text, target.headers));
}

/** Absent means empty; otherwise a JSON object whose values `each` accepts. */
function jsonObject(text: string | undefined, each: (v: unknown) => string | undefined): Record<string, string> | undefined {
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    const s = each(v);
    if (s === undefined) return undefined;
    out[k] = s;
  }
  return out;
}

function withoutQuery(requestURL: string | undefined): string {
  if (!requestURL) return '';
  try {
    const u = new URL(requestURL);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '';
  }
}
