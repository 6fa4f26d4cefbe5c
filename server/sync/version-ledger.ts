import type { SyncObject } from '../desk/wire-types.js';

/**
 * The newest version of each item this process has sent to an installation's Desk,
 * by the pull or by a delivery's import (in flight or confirmed), as the item's
 * modifiedTime. A delivery older than that is not imported: an older issue or comment
 * never replaces a newer one (reordered, delayed or replayed deliveries). Bounded,
 * least recently noted forgotten first; per process (README, Webhooks: across replicas
 * only the coalescing replica's own sends are known).
 */
export class VersionLedger {
  readonly #times = new Map<string, number>();
  constructor(readonly maxItems = 100_000) {}

  note(orgId: string, extId: string, ms: number): void {
    const key = `${orgId}\n${extId}`;
    const known = this.#times.get(key);
    if (known !== undefined && known >= ms) return;
    this.#times.delete(key);
    this.#times.set(key, ms);
    if (this.#times.size > this.maxItems) this.#times.delete(this.#times.keys().next().value!);
  }

  /** Every ticket and thread of a SYNC object Desk is being sent. */
  noteSync(orgId: string, sync: SyncObject): void {
    for (const item of [...(sync.data.tickets ?? []), ...(sync.data.threads ?? [])]) this.note(orgId, item.extId, versionOf(item));
  }

  /** The newest version sent, or -1. */
  newest(orgId: string, extId: string): number {
    return this.#times.get(`${orgId}\n${extId}`) ?? -1;
  }
}

/** An item's version: its modifiedTime, else its createdTime (ms; 0 when unreadable). */
export function versionOf(i: { modifiedTime?: string; createdTime?: string }): number {
  const ms = Date.parse(i.modifiedTime ?? i.createdTime ?? '');
  return Number.isFinite(ms) ? ms : 0;
}
