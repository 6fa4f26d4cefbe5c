import { Budget } from '../sync/budget.js';
import { SyncBatch, type SyncUnit } from '../sync/batch.js';
import { isAppError } from '../errors.js';
import type { ImportInstallation } from './import-client.js';
import type { SyncObject } from '../desk/wire-types.js';

/** Desk's caps per SYNC array (protocol §3.1). */
export const IMPORT_MAX_ITEMS = 1000;

export interface DeliveryRef {
  id: string;
  event: string;
  repo: string;
  /** performance.now() when the delivery arrived. */
  receivedAt: number;
}

export interface ImportReport {
  deliveries: DeliveryRef[];
  tickets: number;
  threads: number;
  ok: boolean;
  code?: string;
  /** performance.now() when Desk answered the import. */
  doneAt: number;
}

export interface CoalescerOptions {
  send: (who: ImportInstallation, sync: SyncObject) => Promise<void>;
  /** How long the first delivery of a quiet installation waits for others to join it. */
  windowMs: number;
  maxBytes: number;
  onImport?: (who: ImportInstallation, report: ImportReport) => void;
  /** Items per import (Desk's cap; tests narrow it). */
  maxItems?: number;
  /** Batches waiting per installation, the one being filled included (the one in flight not). */
  maxBatchesPerLane?: number;
  /** Batches waiting in all: with Desk hanging, a flood of deliveries holds at most this many × maxBytes. */
  maxBatches?: number;
}

/** With Desk hanging, what waits is bounded: beyond it a delivery is refused (the pull brings its items). */
export const QUEUE_LIMITS = { maxBatchesPerLane: 3, maxBatches: 16 };

interface Pending {
  who: ImportInstallation;
  batch: SyncBatch;
  budget: Budget;
  /** modifiedTime (ms) of each item in the batch: an older version never replaces a newer one (reordered deliveries). */
  times: Map<string, number>;
  deliveries: DeliveryRef[];
}

interface Lane {
  pending: Pending | undefined;
  full: Pending[];
  flying: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Bursts of deliveries become few imports: per installation one import is in flight at
 * a time, and what arrives meanwhile (or within the first delivery's short window)
 * travels in the next one, up to Desk's 1000 tickets and 1000 threads. Desk counts API
 * credits per call, so 1,000 events cost a handful of calls, not 1,000.
 */
export class ImportCoalescer {
  readonly #lanes = new Map<string, Lane>();
  /** modifiedTime (ms) of items Desk has from us, per installation and extId (bounded): an older delivery arriving later is dropped. */
  readonly #imported = new Map<string, number>();
  readonly #idle = new Set<() => void>();
  /** Batches waiting (pending or full) over every lane. */
  #waiting = 0;
  readonly #limits: { maxBatchesPerLane: number; maxBatches: number };
  constructor(private readonly o: CoalescerOptions) {
    this.#limits = { maxBatchesPerLane: o.maxBatchesPerLane ?? QUEUE_LIMITS.maxBatchesPerLane, maxBatches: o.maxBatches ?? QUEUE_LIMITS.maxBatches };
  }

  /**
   * Queues a delivery's items; false when the queue is at its bound (nothing is kept:
   * the caller answers that the delivery was dropped, and the next pull brings it).
   */
  add(who: ImportInstallation, unit: SyncUnit, delivery: DeliveryRef): boolean {
    const key = `${who.orgId}\n${who.securityContext}`;
    let lane = this.#lanes.get(key);
    const room = (l: Lane | undefined): boolean =>
      this.#waiting < this.#limits.maxBatches && (l === undefined || l.full.length + (l.pending ? 1 : 0) < this.#limits.maxBatchesPerLane);
    if (!lane?.pending && !room(lane)) return false;
    if (!lane) this.#lanes.set(key, (lane = { pending: undefined, full: [], flying: false, timer: undefined }));
    lane.pending ??= this.#fresh(who);
    if (!this.#put(lane.pending, unit)) {
      if (!room(lane)) return false;
      lane.full.push(lane.pending);
      lane.pending = this.#fresh(who);
      this.#put(lane.pending, unit);
    }
    lane.pending.deliveries.push(delivery);
    if (lane.full.length > 0) this.#pump(key, lane);
    else if (!lane.flying && !lane.timer) lane.timer = setTimeout(() => this.#pump(key, lane), this.o.windowMs);
    return true;
  }

  /** Batches waiting for their import, over every installation (metrics, tests). */
  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves once nothing is queued or in flight (tests, bench, shutdown). */
  idle(): Promise<void> {
    if (this.#lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #fresh(who: ImportInstallation): Pending {
    this.#waiting++;
    const items = this.o.maxItems ?? IMPORT_MAX_ITEMS;
    return {
      who,
      batch: new SyncBatch(),
      budget: new Budget({ tickets: items, threads: items, bytes: this.o.maxBytes, deadline: Infinity }),
      times: new Map(),
      deliveries: [],
    };
  }

  /** False when the batch is full; items older than the batch's copy are left out (the batch keeps the parent). */
  #put(p: Pending, unit: SyncUnit): boolean {
    const lane = `${p.who.orgId}\n${p.who.securityContext}\n`;
    const stale = (i: { extId: string; modifiedTime?: string; createdTime?: string }) =>
      (p.times.get(i.extId) ?? -1) > timeOf(i) || (this.#imported.get(lane + i.extId) ?? -1) > timeOf(i);
    const kept: SyncUnit = { tickets: unit.tickets.filter((i) => !stale(i)), threads: unit.threads.filter((i) => !stale(i)) };
    // A ticket left out is in this batch already, or Desk has a newer one from us.
    const sentBefore = new Set(unit.tickets.filter((t) => stale(t)).map((t) => t.extId));
    if (!p.batch.add(kept, p.budget, sentBefore)) return p.batch.size === 0;
    for (const i of [...kept.tickets, ...kept.threads]) p.times.set(i.extId, timeOf(i));
    return true;
  }

  #remember(p: Pending): void {
    const lane = `${p.who.orgId}\n${p.who.securityContext}\n`;
    for (const [extId, t] of p.times) {
      this.#imported.delete(lane + extId);
      this.#imported.set(lane + extId, t);
    }
    while (this.#imported.size > REMEMBERED_ITEMS) this.#imported.delete(this.#imported.keys().next().value!);
  }

  #pump(key: string, lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (lane.flying) return;
    const next = lane.full.shift() ?? lane.pending;
    if (next === lane.pending) lane.pending = undefined;
    if (next) this.#waiting--;
    if (!next) {
      this.#lanes.delete(key);
      if (this.#lanes.size === 0) for (const done of this.#idle) done();
      if (this.#lanes.size === 0) this.#idle.clear();
      return;
    }
    // Everything in it was older than what Desk has from us: no call, no credit.
    if (next.batch.size === 0) return void this.#pump(key, lane);
    lane.flying = true;
    const sync: SyncObject = { data: { tickets: next.batch.tickets, threads: next.batch.threads } };
    const report = (ok: boolean, code?: string) => {
      if (ok) this.#remember(next);
      this.o.onImport?.(next.who, {
        deliveries: next.deliveries,
        tickets: next.batch.tickets.length,
        threads: next.batch.threads.length,
        ok,
        ...(code ? { code } : {}),
        doneAt: performance.now(),
      });
    };
    this.o
      .send(next.who, sync)
      .then(
        () => report(true),
        // Nothing is retried here: GitHub never retries either, and the next pull brings every item.
        (err: unknown) => report(false, isAppError(err) ? err.code : 'INTERNAL'),
      )
      .finally(() => {
        lane.flying = false;
        this.#pump(key, lane);
      });
  }
}

const REMEMBERED_ITEMS = 50_000;

function timeOf(i: { modifiedTime?: string; createdTime?: string }): number {
  const ms = Date.parse(i.modifiedTime ?? i.createdTime ?? '');
  return Number.isFinite(ms) ? ms : 0;
}
