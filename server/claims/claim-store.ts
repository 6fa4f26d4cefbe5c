/**
 * Claims for work that must happen once across replicas (today: posting a reply).
 * The first caller to claim a key holds it until `ttlMs` passes; others are told no.
 * A claim is an optimisation over the reply marker, never the guarantee: when the
 * store cannot answer, callers go ahead and the marker settles duplicates.
 */
export interface ClaimStore {
  /** True when this caller now holds `key` (nobody held it, or the last claim expired). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives up this caller's claim on `key` (one another caller holds is left alone). */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The default: claims shared by the requests of one process. */
export class MemoryClaimStore implements ClaimStore {
  readonly #until = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const t = this.now();
    for (const [k, until] of this.#until) if (until <= t) this.#until.delete(k);
    if (this.#until.has(key)) return false;
    this.#until.set(key, t + ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    this.#until.delete(key);
  }

  async close(): Promise<void> {
    this.#until.clear();
  }
}
