import { MemoryClaimStore, type ClaimStore } from './claim-store.js';
import { RedisClaimStore } from './redis-claim-store.js';

export type { ClaimStore };
export { MemoryClaimStore, RedisClaimStore };

/**
 * CLAIM_STORE: `memory` (the default, per process), a `redis://` / `rediss://` URL shared
 * by the replicas, or `none` (the reply marker alone settles races).
 */
export function createClaimStore(setting: string): ClaimStore | undefined {
  if (setting === 'none') return undefined;
  return setting === 'memory' ? new MemoryClaimStore() : new RedisClaimStore(new URL(setting));
}
