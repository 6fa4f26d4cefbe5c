import type { InstalledHookUrls } from '../webhooks/installed-urls.js';
import type { ConfigParams, SyncObject, SyncThread } from '../desk/wire-types.js';
import type { DeskCall, PushReply } from '../desk/normalise.js';

/** What the HTTP layer asks of the sync side; the HTTP layer itself knows no GitHub. */
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

import type { Escalation } from '../escalation/index.js';

export interface Channel {
  pull(request: { query: DeskCall; body: ConfigParams; signal: AbortSignal; log?: RequestLog }): Promise<PullAnswer>;
  push(request: { query: DeskCall; body: PushReply; signal: AbortSignal; log?: RequestLog }): Promise<SyncThread>;
  /** The external URL for Desk's source redirection, or undefined when the ids name nothing of ours. */
  redirect(target: RedirectTarget): string | undefined;
  /** With webhooks: the URL each hook should carry, as this channel's pulls installed it (deliveries through others are dropped). */
  installedHookUrls?: InstalledHookUrls | undefined;
  /** Lines of Prometheus text the channel adds to /metrics (the escalation loop's counts). */
  metricLines?: (() => string[]) | undefined;
  /** The escalation loop the pulls run; deliveries of closed and reopened issues start it too. */
  escalation?: Escalation | undefined;
}

export interface RedirectTarget {
  entity: 'ticket' | 'thread' | 'user_profile';
  id: string;
  parentId?: string | undefined;
}
