import type { SyncObject, SyncThread, SyncTicket } from '../../desk/wire-types.js';

export interface Rejection {
  reason: 'schema' | 'too_many_tickets' | 'too_many_threads' | 'orphan_thread' | 'http_status' | 'not_json' | 'content_type' | 'push_invalid';
  detail: string;
}

export interface Stored<T> {
  object: T;
  createdCount: number;
  updateCount: number;
  firstSeenPull: number;
}

/**
 * What Desk keeps of a channel: tickets and threads by extId, created or updated
 * (protocol §3.7), with counts so tests can prove nothing was created twice.
 */
export class DeskStore {
  readonly tickets = new Map<string, Stored<SyncTicket>>();
  readonly threads = new Map<string, Stored<SyncThread>>();
  readonly rejections: Rejection[] = [];
  readonly history: Array<{ pull: number; op: 'create' | 'update'; kind: 'ticket' | 'thread'; extId: string }> = [];

  /**
   * Applies a batch whole or not at all. A thread whose ticket is neither stored nor
   * in the same batch is refused, with the whole batch (Desk's behaviour here is
   * undocumented; the strict reading).
   */
  apply(sync: SyncObject, pull: number, caps: { tickets: number; threads: number }): { created: number; updated: number; rejection?: Rejection } {
    const { tickets, threads } = sync.data;
    const refuse = (r: Rejection) => {
      this.rejections.push(r);
      return { created: 0, updated: 0, rejection: r };
    };
    if (tickets.length > caps.tickets) return refuse({ reason: 'too_many_tickets', detail: `${tickets.length} tickets > ${caps.tickets}` });
    if (threads.length > caps.threads) return refuse({ reason: 'too_many_threads', detail: `${threads.length} threads > ${caps.threads}` });
    const inBatch = new Set(tickets.map((t) => t.extId));
    const orphan = threads.find((th) => !inBatch.has(th.extParentId) && !this.tickets.has(th.extParentId));
    if (orphan) return refuse({ reason: 'orphan_thread', detail: `thread ${orphan.extId} names unknown ticket ${orphan.extParentId}` });
    let created = 0;
    let updated = 0;
    const upsert = <T>(map: Map<string, Stored<T>>, kind: 'ticket' | 'thread', extId: string, object: T) => {
      const had = map.get(extId);
      if (had) {
        had.object = object;
        had.updateCount++;
        updated++;
      } else {
        map.set(extId, { object, createdCount: 1, updateCount: 0, firstSeenPull: pull });
        created++;
      }
      this.history.push({ pull, op: had ? 'update' : 'create', kind, extId });
    };
    for (const t of tickets) upsert(this.tickets, 'ticket', t.extId, t);
    for (const t of threads) upsert(this.threads, 'thread', t.extId, t);
    return { created, updated };
  }

  /** An agent's reply that the channel confirmed: Desk links the pending reply to the thread's extId. */
  recordReply(thread: SyncThread, pull: number): void {
    const had = this.threads.get(thread.extId);
    if (had) {
      had.object = thread;
      had.updateCount++;
    } else {
      this.threads.set(thread.extId, { object: thread, createdCount: 1, updateCount: 0, firstSeenPull: pull });
    }
  }
}
