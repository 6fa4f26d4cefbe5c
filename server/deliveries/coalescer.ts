import { Budget } from '../sync/budget.js';
import { SyncBatch, type SyncUnit } from '../sync/batch.js';
import { isAppError } from '../errors.js';
import type { ImportInstallation } from './import-client.js';
import type { SyncObject, SyncThread, SyncTicket } from '../desk/wire-types.js';
import { VersionLedger, versionOf } from '../sync/version-ledger.js';

/**
 * An import travels as a form-encoded field of an Invoke call: JSON's quotes, braces and
 * colons take three bytes there, so the batch's byte budget counts that form, not the JSON.
 * `maxBytes` is then the Invoke body's bound (4 MB: README, guesses).
 */
export function formEncodedBytes(json: string): number {
  // Counted, not built: this runs on every item of every delivery. As URLSearchParams
  // serialises: A-Z a-z 0-9 * - . _ and space stay one byte, every other UTF-8 byte is %XX.
  let n = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x80) n += FORM_KEEPS[c] ? 1 : 3;
    else if (c < 0x800) n += 6;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < json.length && (json.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 12;
      i++;
    } else n += 9;
  }
  return n;
}

/** ASCII characters application/x-www-form-urlencoded leaves as one byte (space becomes `+`). */
const FORM_KEEPS = Array.from({ length: 128 }, (_, c) => /[A-Za-z0-9*\-._ ]/.test(String.fromCharCode(c)));

/** Desk's caps per SYNC array (protocol §3.1). */
export const IMPORT_MAX_ITEMS = 1000;

export interface DeliveryRef {
  id: string;
  event: string;
  source: string;
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
  /** What this process has sent each installation's Desk (pulls and imports): older items are left out. */
  ledger?: VersionLedger;
}

/** With Desk hanging, what waits is bounded: beyond it a delivery is refused (the pull brings its items). */
export const QUEUE_LIMITS = { maxBatchesPerLane: 3, maxBatches: 16 };

/** Items an org's imports sent while one of its pulls was being answered, kept at most (newest kept). */
const RACE_ITEMS = 5_000;

/** An item an import sent while a pull of its org was in flight: what to send again if the pull answer carried an older copy. */
interface Sent {
  who: ImportInstallation;
  version: number;
  ticket?: SyncTicket;
  thread?: SyncThread;
}

/** The items of `sync` an import sent newer while its pull was answered, each with that newer copy. */
function overtaken(sent: ReadonlyMap<string, Sent>, sync: SyncObject): Array<{ item: SyncTicket | SyncThread; by: Sent }> {
  const out: Array<{ item: SyncTicket | SyncThread; by: Sent }> = [];
  for (const item of [...(sync.data.tickets ?? []), ...(sync.data.threads ?? [])]) {
    const by = sent.get(item.extId);
    if (by && by.version > versionOf(item)) out.push({ item, by });
  }
  return out;
}

/** One pull being answered, as the delivery path follows it (ImportCoalescer.pullBegins). */
export interface PullInFlight {
  answer(sync: SyncObject): SyncObject | undefined;
  written(sync: SyncObject | undefined): { resent: number; refused: number };
}

/** The pulls of one org being answered, and what its imports sent meanwhile. */
interface PullsInFlight {
  count: number;
  sent: Map<string, Sent>;
}

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
  /** The newest version of each item sent to Desk, by a pull or an import in flight or done: an older delivery is dropped. */
  readonly #ledger: VersionLedger;
  readonly #idle = new Set<() => void>();
  /** Batches waiting (pending or full) over every lane. */
  #waiting = 0;
  readonly #limits: { maxBatchesPerLane: number; maxBatches: number };
  readonly #pulls = new Map<string, PullsInFlight>();
  constructor(private readonly o: CoalescerOptions) {
    this.#limits = { maxBatchesPerLane: o.maxBatchesPerLane ?? QUEUE_LIMITS.maxBatchesPerLane, maxBatches: o.maxBatches ?? QUEUE_LIMITS.maxBatches };
    this.#ledger = o.ledger ?? new VersionLedger();
  }

  /**
   * Queues a delivery's items; false when the queue is at its bound (nothing is kept:
   * the caller answers that the delivery was dropped, and the next pull brings it).
   */
  add(who: ImportInstallation, unit: SyncUnit, delivery: DeliveryRef): boolean {
    return this.#add(who, unit, delivery, false);
  }

  /**
   * A pull of this org is being answered. A pull reads GitHub first and answers later:
   * an import of a newer copy can leave in between. What imports send meanwhile is kept
   * until the pull's answer is written, so that
   * - `answer(sync)`, as the answer leaves: an item it carries older than an import sent
   *   is replaced by that newer copy (undefined: nothing to replace), so Desk is never
   *   handed the older one;
   * - `written(sync)`, once the answer is written (undefined when the pull failed): an
   *   item an import sent newer after the answer left goes again, after it (README,
   *   Webhooks: Desk applies a pull answer it has read before an import that reaches
   *   it later). Answers how many items went again and how many the full queue refused.
   */
  pullBegins(orgId: string): PullInFlight {
    const pulls = this.#pulls.get(orgId) ?? { count: 0, sent: new Map<string, Sent>() };
    this.#pulls.set(orgId, pulls);
    pulls.count++;
    let ended = false;
    return {
      answer: (sync) => {
        const newer = new Map(overtaken(pulls.sent, sync).map(({ item, by }) => [item, by.ticket ?? by.thread]));
        if (newer.size === 0) return undefined;
        const swap = <T extends SyncTicket | SyncThread>(i: T): T => (newer.get(i) as T | undefined) ?? i;
        const { tickets, threads } = sync.data;
        return { ...sync, data: { ...sync.data, ...(tickets ? { tickets: tickets.map(swap) } : {}), ...(threads ? { threads: threads.map(swap) } : {}) } };
      },
      written: (sync) => {
        if (ended) return { resent: 0, refused: 0 };
        ended = true;
        if (--pulls.count === 0) this.#pulls.delete(orgId);
        return sync ? this.#sendAgain(pulls.sent, sync) : { resent: 0, refused: 0 };
      },
    };
  }

  #sendAgain(sent: Map<string, Sent>, sync: SyncObject): { resent: number; refused: number } {
    const lanes = new Map<string, { who: ImportInstallation; unit: SyncUnit }>();
    for (const { by } of overtaken(sent, sync)) {
      const key = `${by.who.orgId}\n${by.who.securityContext}`;
      const lane = lanes.get(key) ?? { who: by.who, unit: { tickets: [], threads: [] } };
      lanes.set(key, lane);
      if (by.ticket) lane.unit.tickets.push(by.ticket);
      if (by.thread) lane.unit.threads.push(by.thread);
    }
    let resent = 0;
    let refused = 0;
    for (const { who, unit } of lanes.values()) {
      const n = unit.tickets.length + unit.threads.length;
      // No delivery of its own: the server logs and counts what a pull answer made go again.
      if (this.#add(who, unit, undefined, true)) resent += n;
      else refused += n;
    }
    return { resent, refused };
  }

  /** `again`: items sent before, sent once more at the version Desk was sent (the ledger has it). */
  #add(who: ImportInstallation, unit: SyncUnit, delivery: DeliveryRef | undefined, again: boolean): boolean {
    const key = `${who.orgId}\n${who.securityContext}`;
    let lane = this.#lanes.get(key);
    const room = (l: Lane | undefined): boolean =>
      this.#waiting < this.#limits.maxBatches && (l === undefined || l.full.length + (l.pending ? 1 : 0) < this.#limits.maxBatchesPerLane);
    if (!lane?.pending && !room(lane)) return false;
    if (!lane) this.#lanes.set(key, (lane = { pending: undefined, full: [], flying: false, timer: undefined }));
    lane.pending ??= this.#fresh(who);
    if (!this.#put(lane.pending, unit, again)) {
      if (!room(lane)) return false;
      lane.full.push(lane.pending);
      lane.pending = this.#fresh(who);
      this.#put(lane.pending, unit, again);
    }
    if (delivery) lane.pending.deliveries.push(delivery);
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
      batch: new SyncBatch(formEncodedBytes),
      budget: new Budget({ tickets: items, threads: items, bytes: this.o.maxBytes, deadline: Infinity }),
      times: new Map(),
      deliveries: [],
    };
  }

  /**
   * False when the batch is full. A thread goes only when it is newer than this batch's
   * copy and than anything Desk was sent of it (by a pull, or an import in flight or
   * done): an older or equal version would undo or repeat what Desk has. A ticket goes
   * when it is newer than what Desk was sent, or, at the same version, as the parent of
   * a thread that goes (parent first in every call); an older one never goes, and its
   * threads rely on the newer copy Desk has or is being sent. Sent `again`, an item goes
   * at the version Desk was sent (and its threads' tickets are in Desk: the pull answer
   * that overtook them carried them, or an earlier one did).
   */
  #put(p: Pending, unit: SyncUnit, again: boolean): boolean {
    const sent = (i: { extId: string }) => this.#ledger.newest(p.who.orgId, i.extId);
    const inBatch = (i: { extId: string }) => p.times.get(i.extId) ?? -1;
    const goes = (i: SyncTicket | SyncThread) => (again ? sent(i) <= versionOf(i) : sent(i) < versionOf(i));
    const threads = unit.threads.filter((i) => inBatch(i) <= versionOf(i) && goes(i));
    const parents = new Set(threads.map((t) => t.extParentId));
    const older = (t: SyncTicket) => inBatch(t) > versionOf(t) || sent(t) > versionOf(t);
    const tickets = unit.tickets.filter((t) => !older(t) && (goes(t) || parents.has(t.extId)));
    const kept: SyncUnit = { tickets, threads };
    // A ticket left out as older is in this batch already, or Desk has (or is sent) a newer one from us.
    const sentBefore = new Set(unit.tickets.filter(older).map((t) => t.extId));
    if (again) for (const t of threads) sentBefore.add(t.extParentId);
    if (!p.batch.add(kept, p.budget, sentBefore)) return p.batch.size === 0;
    for (const i of [...kept.tickets, ...kept.threads]) p.times.set(i.extId, versionOf(i));
    return true;
  }

  /** What an import sends while a pull of its org is being answered (pullBegins), newest kept, bounded. */
  #keepForPulls(p: Pending): void {
    const pulls = this.#pulls.get(p.who.orgId);
    if (!pulls) return;
    const keep = (extId: string, s: Sent) => {
      pulls.sent.delete(extId);
      pulls.sent.set(extId, s);
      if (pulls.sent.size > RACE_ITEMS) pulls.sent.delete(pulls.sent.keys().next().value!);
    };
    for (const ticket of p.batch.tickets) keep(ticket.extId, { who: p.who, version: versionOf(ticket), ticket });
    for (const thread of p.batch.threads) keep(thread.extId, { who: p.who, version: versionOf(thread), thread });
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
    // Noted as it leaves: an older copy arriving while this import is in flight is left out too.
    for (const [extId, t] of next.times) this.#ledger.note(next.who.orgId, extId, t);
    this.#keepForPulls(next);
    const report = (ok: boolean, code?: string) => {
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
