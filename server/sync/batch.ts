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
  readonly #ticketIndex = new Map<string, number>();
  readonly #threadIndex = new Map<string, number>();

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
    const fresh = {
      tickets: unit.tickets.filter((t) => !this.#ticketIndex.has(t.extId)),
      threads: unit.threads.filter((t) => !this.#threadIndex.has(t.extId)),
    };
    const cost = {
      tickets: fresh.tickets.length,
      threads: fresh.threads.length,
      bytes: unit.tickets.reduce((n, t) => n + sizeOf(t), 0) + unit.threads.reduce((n, t) => n + sizeOf(t), 0),
    };
    if (!budget.take(cost)) return false;
    for (const t of unit.tickets) upsert(this.tickets, this.#ticketIndex, t);
    for (const t of unit.threads) upsert(this.threads, this.#threadIndex, t);
    return true;
  }

  get size(): number {
    return this.tickets.length + this.threads.length;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function upsert<T extends { extId: string }>(list: T[], index: Map<string, number>, item: T): void {
  const at = index.get(item.extId);
  if (at === undefined) {
    index.set(item.extId, list.length);
    list.push(item);
  } else {
    list[at] = item;
  }
}

/** Bytes an object adds to the JSON response (plus its separating comma). */
export function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8') + 1;
}
