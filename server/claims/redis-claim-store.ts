import { randomUUID } from 'node:crypto';
import type { ClaimStore } from './claim-store.js';
import { RespClient } from './resp-client.js';

/** Deletes the claim only while this replica holds it: an expired one may be someone else's now. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** Claims shared by every replica: `SET key owner NX PX ttl` answers OK to the first only. */
export class RedisClaimStore implements ClaimStore {
  readonly #client: RespClient;
  readonly #owner = randomUUID();

  constructor(url: URL, timeoutMs?: number) {
    this.#client = new RespClient(url, timeoutMs);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.command('SET', `desk-channel:claim:${key}`, this.#owner, 'NX', 'PX', String(Math.max(1, Math.round(ttlMs))))) === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.#client.command('EVAL', RELEASE, '1', `desk-channel:claim:${key}`, this.#owner);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
