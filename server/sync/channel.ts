import type { ConfigParams, SyncObject, SyncThread } from '../desk/wire-types.js';
import type { DeskCall, PushReply } from '../desk/normalise.js';

/** What the HTTP layer asks of a connector's channel; the HTTP layer itself knows no upstream. */
/** A pull's answer, and the same serialised once (the HTTP layer sends the text as is). */
export interface PullAnswer {
  sync: SyncObject;
  json: string;
}

/** The request's logger (pino child with the request id); secrets are kept out of it by the caller. */
export interface RequestLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Channel {
  pull(request: { query: DeskCall; body: ConfigParams; signal: AbortSignal; log?: RequestLog }): Promise<PullAnswer>;
  push(request: { query: DeskCall; body: PushReply; signal: AbortSignal; log?: RequestLog }): Promise<SyncThread>;
  /** The external URL for Desk's source redirection, or undefined when the ids name nothing of ours. */
  redirect(target: RedirectTarget): string | undefined;
  /** Lines of Prometheus text the channel adds to /metrics (for GitHub: the escalation loop's and story reads' counts). */
  metricLines?: (() => string[]) | undefined;
  /** Resolves when the work the channel runs in the background (for GitHub: the escalation loop) has ended. */
  idle?: (() => Promise<void>) | undefined;
}

export interface RedirectTarget {
  entity: 'ticket' | 'thread' | 'user_profile';
  id: string;
  parentId?: string | undefined;
}
