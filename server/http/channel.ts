import type { DeskQuery, PullRequestBody, PushRequestBody, SyncObject, SyncThread } from '../desk/wire-types.js';
import { AppError } from '../errors.js';

/** What the HTTP layer asks of the sync side; the HTTP layer itself knows no GitHub. */
/** A pull's answer, and the same serialised once (the HTTP layer sends the text as is). */
export interface PullAnswer {
  sync: SyncObject;
  json: string;
}

/** The request's logger (pino child with the request id); secrets are kept out of it by the caller. */
export interface RequestLog {
  warn(obj: object, msg: string): void;
}

export interface Channel {
  pull(request: { query: DeskQuery; body: PullRequestBody; signal: AbortSignal; log?: RequestLog }): Promise<PullAnswer>;
  push(request: { query: DeskQuery; body: PushRequestBody; signal: AbortSignal }): Promise<SyncThread>;
  /** The external URL for Desk's source redirection, or undefined when the ids name nothing of ours. */
  redirect(target: RedirectTarget): string | undefined;
}

export interface RedirectTarget {
  entity: 'ticket' | 'thread' | 'user_profile';
  id: string;
  parentId?: string | undefined;
}

/** A channel that answers 501 for each route: what the server serves until a sync is wired in. */
export const unbuiltChannel: Channel = {
  pull: async () => {
    throw new AppError('NOT_IMPLEMENTED', 'pull is not wired to a sync engine');
  },
  push: async () => {
    throw new AppError('NOT_IMPLEMENTED', 'push is not wired to a sync engine');
  },
  redirect: () => {
    throw new AppError('NOT_IMPLEMENTED', 'redirect is not wired to a sync engine');
  },
};
