import type { ConfigParams, DeskConfigParams, DeskConfigParamValue, DeskQuery, PullRequestBody, PushRequestBody } from './wire-types.js';

/**
 * Liberal in, exact inside: every request shape Desk's docs or Zoho's samples show
 * (docs/desk-compatibility.md) is turned here, once, into the one form the rest of
 * the server sees. The schemas have already bounded sizes and refused prototype keys.
 */

/** The query Desk puts on pull and push URLs, without the parameters we do not use. */
export interface DeskCall {
  orgId: string;
  securityContext: string;
}

/** An agent's reply, with every id a non-empty string or absent. */
export interface ReplyResource {
  extParentId?: string;
  replyToExtId?: string;
  content?: string;
  summary?: string;
}

export interface PushReply {
  configParams: ConfigParams;
  resource: ReplyResource;
}

export function deskCallOf(query: DeskQuery): DeskCall {
  return { orgId: query.orgId, securityContext: query.securityContext };
}

/** A flat object or `{name, value}` pairs (Zoho's YouTube sample) → a flat object of strings. */
export function configParamsOf(raw: DeskConfigParams): ConfigParams {
  const out: ConfigParams = {};
  const entries: Array<[string, DeskConfigParamValue | undefined]> = Array.isArray(raw) ? raw.map((p) => [p.name, p.value]) : Object.entries(raw);
  for (const [name, value] of entries) out[name] = textOf(value);
  return out;
}

/** A pull's body: the config params flat (Desk's docs), or wrapped in `configParams` as a push carries them. */
export function pullParamsOf(raw: PullRequestBody): ConfigParams {
  if (!Array.isArray(raw) && typeof raw.configParams === 'object' && raw.configParams !== null) return configParamsOf(raw.configParams);
  return configParamsOf(raw as DeskConfigParams);
}

export function pushReplyOf(raw: PushRequestBody): PushReply {
  const r = raw.resource;
  const resource: ReplyResource = {};
  const set = (key: keyof ReplyResource, value: unknown): void => {
    const text = textOf(value as DeskConfigParamValue | undefined);
    if (text !== null && text !== '') resource[key] = text;
  };
  set('extParentId', r.extParentId);
  set('replyToExtId', r.replyToExtId);
  set('content', r.content);
  set('summary', r.summary);
  return { configParams: configParamsOf(raw.configParams), resource };
}

/** Strings stay as sent; numbers and booleans become their text; null and absent become null. */
function textOf(value: DeskConfigParamValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : String(value);
}
