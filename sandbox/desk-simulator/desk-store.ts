import type { SyncObject, SyncThread, SyncTicket } from '../../server/desk/wire-types.js';

/** Why Desk refused a pull (or push) answer. */
export interface Rejection {
  reason: 'schema' | 'too_many_tickets' | 'too_many_threads' | 'orphan_thread' | 'http_status' | 'not_json' | 'content_type';
  detail: string;
}

export interface Stored<T> {
  /** The latest SYNC object received for this extId. */
  object: T;
  /** Must stay 1: a second creation would be a duplicate ticket or thread in Desk. */
  createdCount: number;
  updateCount: number;
  /** Updates that carried exactly what Desk already held: sent again for nothing, each taking a place in the answer's caps. */
  unchangedCount: number;
  /** The pull number that created it (a reply recorded from a push: the pulls made before it). */
  firstSeenPull: number;
}
export type StoredTicket = Stored<SyncTicket>;
export type StoredThread = Stored<SyncThread>;

export interface HistoryEntry {
  pull: number;
  via: 'pull' | 'push';
  op: 'create' | 'update';
  /** An update identical to what Desk held (a re-send that changed nothing). */
  unchanged?: boolean;
  kind: 'ticket' | 'thread';
  extId: string;
  /** The item's modifiedTime (else createdTime) as stored, in ms: a test can prove no older version replaced a newer one. */
  version: number;
}

/**
 * What Desk keeps of a channel: tickets and threads keyed by extId, created on first
 * sight and updated afterwards (§3.7), with counts so tests can prove nothing was created
 * twice.
 */
export class DeskStore {
  readonly tickets = new Map<string, StoredTicket>();
  readonly threads = new Map<string, StoredThread>();
  readonly rejections: Rejection[] = [];
  readonly history: HistoryEntry[] = [];
  /** Desk's own record ids, by extId (what `{{ticket.id}}` and `{{thread.id}}` become). */
  readonly deskIds = new Map<string, string>();
  /** The extension's data storage (protocol §8.4): where Desk keeps each SYNC object's `extra`. */
  readonly database = new Map<string, { key: string; value: Record<string, unknown>; queriableValue?: string }>();
  #nextDeskId = 1_000_000_000_001;
  /** Called when a channel ticket is first stored, with its Desk id (the ticket API learns of it). */
  onTicketCreated: ((deskId: string, ticket: SyncTicket) => void) | undefined;

  /**
   * The thread of `threads` whose ticket is neither stored nor in `tickets`. Desk's
   * behaviour for such a thread is undocumented (§3.3, open question 4); the simulator
   * takes the strict reading and the caller refuses the whole batch.
   */
  orphanIn(sync: SyncObject): SyncThread | undefined {
    const inBatch = new Set(sync.data.tickets.map((t) => t.extId));
    return sync.data.threads.find((th) => !inBatch.has(th.extParentId) && !this.tickets.has(th.extParentId));
  }

  /** Applies a validated batch: tickets first, so threads of the same batch find them. */
  apply(sync: SyncObject, pull: number): { created: number; updated: number } {
    let created = 0;
    let updated = 0;
    const count = (isNew: boolean) => {
      if (isNew) created++;
      else updated++;
    };
    for (const t of sync.data.tickets) count(this.#upsert(this.tickets, 'ticket', t.extId, t, pull, 'pull'));
    for (const t of sync.data.threads) count(this.#upsert(this.threads, 'thread', t.extId, t, pull, 'pull'));
    for (const t of [...sync.data.tickets, ...sync.data.threads]) this.#store(t);
    return { created, updated };
  }

  /** The Desk id of a ticket or thread, by its extId. */
  deskIdOf(extId: string): string | undefined {
    return this.deskIds.get(extId);
  }

  /** Desk fills in its record id and writes `extra` to the data storage, replacing what the key held. */
  #store(o: SyncTicket | SyncThread): void {
    if (!o.extra) return;
    const id = this.deskIds.get(o.extId)!;
    const key = o.extra.key.replace('{{ticket.id}}', id).replace('{{thread.id}}', id);
    // Desk's data-storage limits (data-storage.html): refuse what Desk would.
    const bad =
      !/^[A-Za-z0-9,_:]{1,50}$/.test(key) ||
      (o.extra.queriableValue !== undefined && !/^[A-Za-z0-9,_:]{1,50}$/.test(o.extra.queriableValue)) ||
      Buffer.byteLength(JSON.stringify(o.extra.value)) > 5100;
    if (bad) {
      this.rejections.push({ reason: 'schema', detail: `extra of ${o.extId} breaks Desk's data-storage limits` });
      return;
    }
    this.database.set(key, { key, value: o.extra.value, ...(o.extra.queriableValue ? { queriableValue: o.extra.queriableValue } : {}) });
  }

  /**
   * An agent's reply the channel confirmed (§4): Desk links the pending reply to the
   * returned thread's extId, so a later pull of the same message is an update.
   */
  recordReply(thread: SyncThread, pull: number): void {
    this.#upsert(this.threads, 'thread', thread.extId, thread, pull, 'push');
  }

  /** Returns true when it created. */
  #upsert<T>(map: Map<string, Stored<T>>, kind: 'ticket' | 'thread', extId: string, object: T, pull: number, via: 'pull' | 'push'): boolean {
    const had = map.get(extId);
    const unchanged = had !== undefined && sameJson(had.object, object);
    if (had) {
      had.object = object;
      had.updateCount++;
      if (unchanged) had.unchangedCount++;
    } else {
      map.set(extId, { object, createdCount: 1, updateCount: 0, unchangedCount: 0, firstSeenPull: pull });
      this.deskIds.set(extId, String(this.#nextDeskId++));
      if (kind === 'ticket') this.onTicketCreated?.(this.deskIds.get(extId)!, object as SyncTicket);
    }
    const times = object as { modifiedTime?: string; createdTime?: string };
    const version = Date.parse(times.modifiedTime ?? times.createdTime ?? '');
    this.history.push({
      pull,
      via,
      op: had ? 'update' : 'create',
      ...(unchanged ? { unchanged } : {}),
      kind,
      extId,
      version: Number.isFinite(version) ? version : 0,
    });
    return !had;
  }

  /** Items sent by pulls and imports (creations and updates), and of those the updates that changed nothing. */
  get sends(): { sent: number; unchanged: number } {
    let sent = 0;
    let unchanged = 0;
    for (const h of this.history) {
      if (h.via !== 'pull') continue;
      sent++;
      if (h.unchanged) unchanged++;
    }
    return { sent, unchanged };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
