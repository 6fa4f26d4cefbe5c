import type { AppError } from '../errors.js';
import type { ClaimStore } from '../claims/index.js';
import { postOnce, type MarkedPlace } from '../coordination/post-once.js';
import { InProcessSingleFlight, type SingleFlight } from '../coordination/single-flight.js';
import type { ConfigParams, SyncThread } from '../desk/wire-types.js';
import type { DeskCall, PushReply, ReplyResource } from '../desk/normalise.js';
import type { RequestLog } from '../sync/channel.js';

/**
 * What a connector plugs into the reply path: where an agent's reply goes, as a place
 * where the reply's mark can be found, posted and removed. The engine owns the rest of
 * design invariant 6: the settings, identical pushes sharing one flight, the claim, and
 * find → post → find again → keep the oldest (coordination/post-once.ts).
 */
export interface ReplyConnector<Settings, Item> {
  /** The installation's settings from the push's config params; throws AppError CONFIG_INVALID. */
  readSettings(params: ConfigParams, nowMs: number): Settings;
  /** The reply's plan; throws AppError for a reply that cannot go (empty, too long, no target of ours). */
  plan(resource: ReplyResource, c: { query: DeskCall; settings: Settings; log?: RequestLog | undefined }): Promise<ReplyPlan<Item>>;
}

export interface ReplyPlan<Item> {
  /** The reply's key, derived from the installation, the target and the text: a retry of the same reply has the same key. */
  key: string;
  /** The upstream's place: items carrying the key's mark, the post, the removal of a duplicate. */
  place: MarkedPlace<Item>;
  /** The posted item as the thread Desk records. */
  thread(item: Item): SyncThread;
  /** What a failure of the first look or of the post means to the agent (it throws a catalogue error). */
  fail?: ((err: unknown) => Promise<never>) | undefined;
  /** The error when the upstream accepted the post but neither its answer nor a look shows it. */
  undescribed(): AppError;
}

export interface PushRequest {
  query: DeskCall;
  body: PushReply;
  signal: AbortSignal;
  log?: RequestLog | undefined;
}

/** The engine's push, from the HTTP edge to the thread Desk records, for any connector: each reply is posted once. */
export function enginePush<S, I>(connector: ReplyConnector<S, I>, o: { now: () => number; claims?: ClaimStore | undefined; flights?: SingleFlight }) {
  const flights = o.flights ?? new InProcessSingleFlight();
  return async ({ query, body, log }: PushRequest): Promise<SyncThread> => {
    const settings = connector.readSettings(body.configParams, o.now());
    const plan = await connector.plan(body.resource, { query, settings, log });
    return flights.run(`reply:${plan.key}`, async () => {
      const { item } = await postOnce(plan.place, { key: plan.key, claims: o.claims, log, fail: plan.fail, undescribed: plan.undescribed });
      return plan.thread(item);
    });
  };
}
