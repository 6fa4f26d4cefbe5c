import type { SyncUnit } from '../sync/batch.js';
import type { RequestLog } from '../sync/channel.js';
import type { ImportInstallation } from './import-client.js';

/**
 * What a connector plugs into the delivery path (server/deliveries). The path owns the
 * door (bounds, admission, the HMAC-SHA256 of the body computed as it streams and
 * compared in constant time), bounded JSON parsing, the memory of delivery ids, the age
 * rule, the import queue and Desk's import. A connector says where a hook's key is,
 * how its deliveries are opened and what Desk items they carry.
 *
 * Contract: `keyOf` and `open` run before anything of the payload is parsed and must be
 * cheap; nothing the connector answers may carry upstream text (answers are ours).
 */
export interface DeliveryConnector<Opened extends OpenedDelivery = OpenedDelivery> {
  /** The upstream's name, for log lines. */
  readonly service: string;
  /** The route deliveries are POSTed to, ending in a wildcard tail that names the hook ("/<service>/webhooks/*"). */
  readonly route: string;
  /** The header carrying the body's HMAC-SHA256, lower case. */
  readonly signatureHeader: string;
  /** The digest that header carries, or undefined when it is malformed. */
  signatureOf(value: string): Buffer | undefined;
  /** The signing key of the hook the tail names; throws AppError BAD_HOOK_URL. Runs before the body is read. */
  keyOf(tail: string): string;
  /** The verified delivery before its payload is parsed: who it is for and its id, or an answer now (ping, an old URL). Throws AppError to refuse. */
  open(d: DeliveryHead, log: DeliveryLog): Opened | DeliveryAnswer;
  /**
   * The parsed payload's Desk items, or an answer now (ignored, not ours to import).
   * Called once per delivery id not already taken in; throws AppError to refuse.
   */
  map(opened: Opened, payload: unknown, log: DeliveryLog): MappedDelivery | DeliveryAnswer;
}

/** A delivery's URL tail and headers: what is known of it before the body. */
export interface DeliveryHead {
  tail: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface DeliveryLog extends RequestLog {
  info(obj: object, msg: string): void;
}

/** An answer that ends the delivery now; `note` is logged at info with the delivery's id. */
export interface DeliveryAnswer {
  answer: { code: 200 | 202; body: Record<string, unknown> };
  note?: string;
}

export interface OpenedDelivery {
  /** The upstream's id of the delivery: one taken in once is answered "duplicate" after. */
  id: string;
  /** The Desk installation its items go to. */
  who: ImportInstallation;
  /** For log lines: what happened ("issues.opened") and where ("owner/repo"). */
  event: string;
  source: string;
}

export interface MappedDelivery {
  unit: SyncUnit;
  /** Epoch seconds the item last changed upstream: a delivery older than an hour is left to the pull. */
  updatedAt: number;
  /** What is read upstream before the import (GitHub: the story's events), after the delivery is remembered; a failure answers its error and forgets the delivery, so a redelivery can bring it. */
  complete?: (() => Promise<SyncUnit>) | undefined;
  /** The event with its action, for the import's log line. */
  event?: string;
}

export function isAnswer(x: object): x is DeliveryAnswer {
  return 'answer' in x;
}
