import type { PushResponse, SyncThread } from '../../server/desk/wire-types.js';
import type { DrawnRequest } from './shape-draw.js';
import type { DeskStore, Rejection } from './desk-store.js';
import { deskSchemas, firstError } from './desk-schemas.js';
import { noAnswer, readJsonAnswer } from './json-answer.js';

export interface AgentReply {
  extParentId: string;
  content: string;
  summary?: string;
  replyToExtId?: string;
}

export interface PushOutcome {
  /** HTTP status of the answer; 0 when none came. */
  status: number;
  /** The channel answered with a valid thread and Desk recorded the reply as sent. */
  ok: boolean;
  /** The parsed answer (its text when not JSON). */
  body: unknown;
  /** Why ok is false. Only malformed answers are also added to store.rejections: a non-200 is a reply that failed, which Desk shows as such (§4), not a protocol fault. */
  rejected?: Rejection;
  /** The channelState Desk holds after this push. */
  channelState: string | null;
  /** The request shape of the corpus this push was sent in (resources/desk-shapes/). */
  shape: string;
}

export interface PushInput {
  /** The push in one of the corpus's shapes, naming `reply.extParentId` one way or another. */
  request: DrawnRequest;
  reply: AgentReply;
  store: DeskStore;
  pull: number;
  state: { get(): string | null; set(value: string): void };
  timeoutMs: number;
}

/**
 * An agent's reply as Desk pushes it (§4): `{configParams, resource}`; the answer must be
 * a 200 JSON thread (PUSH_REPLY_RESPONSE_OBJECT: as little as `{extId}` in Zoho's
 * samples). The thread is stored under its extId so the same message arriving later by
 * pull is an update, not a second thread.
 */
export async function pushReply(p: PushInput): Promise<PushOutcome> {
  if (typeof p.reply.extParentId !== 'string' || p.reply.extParentId === '')
    throw new TypeError('push: an agent replies on a ticket: extParentId must name it');
  const body = p.request.body as { resource: Record<string, unknown> };
  // A test's own replyToExtId goes out as given.
  if (p.reply.replyToExtId !== undefined) body.resource.replyToExtId = p.reply.replyToExtId;
  if (!deskSchemas.pushRequest(body)) throw new TypeError(`push: not a reply Desk could send: ${firstError(deskSchemas.pushRequest.errors)}`);
  const out: PushOutcome = { status: 0, ok: false, body: undefined, channelState: p.state.get(), shape: p.request.shape };
  const refuse = (rejection: Rejection, recorded: boolean): PushOutcome => {
    out.rejected = rejection;
    if (recorded) p.store.rejections.push(rejection);
    out.channelState = p.state.get();
    return out;
  };

  let answer;
  try {
    const res = await fetch(p.request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(p.timeoutMs),
    });
    answer = await readJsonAnswer(res);
  } catch (err) {
    return refuse({ reason: 'http_status', detail: noAnswer(err) }, false);
  }
  out.status = answer.status;
  if (!answer.ok) {
    out.body = parseOrText(answer.text);
    return refuse(answer.rejection, answer.rejection.reason !== 'http_status');
  }
  out.body = answer.value;

  // §4/§7.1 [INFERRED]: channelState is "updated from pull & push responses", so a
  // top-level channelState next to the thread's fields is taken, and the rest must be the thread.
  let thread: unknown = answer.value;
  let state: string | undefined;
  if (isObject(thread) && 'channelState' in thread) {
    const { channelState, ...rest } = thread;
    if (typeof channelState !== 'string' || channelState.length > 4096)
      return refuse({ reason: 'schema', detail: '/channelState must be a string of at most 4096 characters' }, true);
    state = channelState;
    thread = rest;
  }
  if (!deskSchemas.pushResponse(thread)) return refuse({ reason: 'schema', detail: `not a thread: ${firstError(deskSchemas.pushResponse.errors)}` }, true);
  const t = thread as PushResponse;
  // The reply was the agent's, going out; a thread claiming otherwise, or hanging under
  // another ticket, would put the reply in the wrong place in Desk [INFERRED].
  if (t.direction !== undefined && t.direction !== 'out')
    return refuse({ reason: 'schema', detail: `/direction of a reply's thread must be "out", got "${t.direction}"` }, true);
  if (t.extParentId !== undefined && t.extParentId !== p.reply.extParentId)
    return refuse({ reason: 'schema', detail: `/extParentId ${t.extParentId} is not the ticket replied on (${p.reply.extParentId})` }, true);

  p.store.recordReply(asThread(t, p.reply), p.pull);
  if (state !== undefined) p.state.set(state);
  out.channelState = p.state.get();
  out.ok = true;
  return out;
}

/**
 * The reply as Desk keeps it: the answer's fields over what Desk knows already (the
 * ticket, the agent's text, now), since a minimal answer names only the extId.
 */
function asThread(t: PushResponse, reply: AgentReply): SyncThread {
  const { extId, to, ...rest } = t;
  return {
    extParentId: reply.extParentId,
    createdTime: new Date().toISOString(),
    content: reply.content,
    direction: 'out',
    actor: { extId: 'desk-agent', name: 'Agent' },
    ...rest,
    extId: String(extId),
    ...(to === undefined ? {} : { to: Array.isArray(to) ? to : [to] }),
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
