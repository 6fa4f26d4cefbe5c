import type { SyncThread, SyncTicket } from '../desk/wire-types.js';
import type { Budget } from './budget.js';

/** Tickets and threads that travel together: a ticket and its first thread, or one reply. */
export interface SyncUnit {
  tickets: SyncTicket[];
  threads: SyncThread[];
}

/**
 * The response being built. It enforces, for every connector, that a thread never
 * arrives before its ticket: a thread's ticket must be in this batch or be vouched for
 * by the connector as sent in an earlier pull (design invariant 2).
 */
export class SyncBatch {
  readonly tickets: SyncTicket[] = [];
  readonly threads: SyncThread[] = [];
  /** Each item serialised once: its size counts against the byte budget, and the answer is built from it. */
  readonly #ticketJson: string[] = [];
  readonly #threadJson: string[] = [];
  readonly #ticketIndex = new Map<string, number>();
  readonly #threadIndex = new Map<string, number>();

  /** @param sizeOf what an item's JSON costs the byte budget where it travels (default: its UTF-8 bytes). */
  constructor(private readonly sizeOf: (json: string) => number = (json) => Buffer.byteLength(json)) {}

  hasTicket(extId: string): boolean {
    return this.#ticketIndex.has(extId);
  }

  /**
   * Adds a unit if the budget has room for all of it. An extId already in the batch is
   * replaced in place (the newer content wins) and costs nothing more.
   * @param sentBefore ticket extIds the connector knows Desk already has.
   */
  add(unit: SyncUnit, budget: Budget, sentBefore: ReadonlySet<string> = EMPTY): boolean {
    for (const th of unit.threads) {
      const parentHere = this.#ticketIndex.has(th.extParentId) || unit.tickets.some((t) => t.extId === th.extParentId);
      if (!parentHere && !sentBefore.has(th.extParentId)) {
        throw new Error(`parent-first violated: thread ${th.extId} names ticket ${th.extParentId}, which Desk does not have`);
      }
    }
    const ticketJson = unit.tickets.map((t) => JSON.stringify(t));
    const threadJson = unit.threads.map((t) => JSON.stringify(t));
    const cost = {
      tickets: unit.tickets.filter((t) => !this.#ticketIndex.has(t.extId)).length,
      threads: unit.threads.filter((t) => !this.#threadIndex.has(t.extId)).length,
      bytes: [...ticketJson, ...threadJson].reduce((n, j) => n + this.sizeOf(j) + 1, 0),
    };
    if (!budget.take(cost)) return false;
    unit.tickets.forEach((t, i) => upsert(this.tickets, this.#ticketJson, this.#ticketIndex, t, ticketJson[i]!));
    unit.threads.forEach((t, i) => upsert(this.threads, this.#threadJson, this.#threadIndex, t, threadJson[i]!));
    return true;
  }

  /** The SYNC answer as JSON text, from the items serialised once when they were added. */
  toJson(channelState: string): string {
    return `{"channelState":${JSON.stringify(channelState)},"data":{"tickets":[${this.#ticketJson.join(',')}],"threads":[${this.#threadJson.join(',')}]}}`;
  }

  get size(): number {
    return this.tickets.length + this.threads.length;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function upsert<T extends { extId: string }>(list: T[], json: string[], index: Map<string, number>, item: T, text: string): void {
  const at = index.get(item.extId);
  if (at === undefined) {
    index.set(item.extId, list.length);
    list.push(item);
    json.push(text);
  } else {
    list[at] = item;
    json[at] = text;
  }
}
