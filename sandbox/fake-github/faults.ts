/**
 * Faults injected into the fake GitHub, per request: each entry matches some requests
 * and applies to the next `times` of them, then is used up.
 */
export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  /** The request is carried out; the answer stops halfway and the connection drops. */
  | { kind: 'truncate' }
  /** The request is carried out; the connection drops before any answer (a lost response). */
  | { kind: 'dropResponse' }
  | { kind: 'rateLimit'; type: 'primary' | 'secondary'; retryAfter?: number; status?: 403 | 429 }
  /**
   * A barrier: the request calls `arrived`, then waits until `release` settles and is
   * answered as usual; with `answerFirst` its answer is read from the store on arrival
   * and sent as it stood then (what a slow network does to a read).
   */
  | { kind: 'gate'; release: Promise<unknown>; arrived?: () => void; answerFirst?: boolean };

export interface FaultEntry {
  match?: { method?: string; path?: RegExp | string };
  /** How many requests meet it (default 1; Infinity for a standing fault). */
  times?: number;
  /** Each matching request meets it with this chance (default 1), drawn from the queue's `random`. */
  chance?: number;
  fault: Fault;
}

export class FaultQueue {
  #entries: Array<Required<Pick<FaultEntry, 'times'>> & FaultEntry> = [];
  /** Every fault applied so far, for test figures. */
  applied: Array<{ method: string; path: string; fault: Fault }> = [];
  /** The draw for entries with a chance: a test seeds it so a failure replays. */
  random: () => number = Math.random;

  add(entry: FaultEntry): void {
    this.#entries.push({ ...entry, times: entry.times ?? 1 });
  }

  clear(): void {
    this.#entries = [];
  }

  get pending(): number {
    return this.#entries.reduce((n, e) => n + e.times, 0);
  }

  /** The fault for this request, if any; using it up. */
  take(method: string, path: string): Fault | undefined {
    const e = this.#entries.find((x) => x.times > 0 && matches(x, method, path) && (x.chance === undefined || this.random() < x.chance));
    if (!e) return undefined;
    e.times--;
    this.#entries = this.#entries.filter((x) => x.times > 0);
    this.applied.push({ method, path, fault: e.fault });
    return e.fault;
  }
}

function matches(e: FaultEntry, method: string, path: string): boolean {
  if (e.match?.method && e.match.method.toUpperCase() !== method) return false;
  const p = e.match?.path;
  if (p === undefined) return true;
  return typeof p === 'string' ? path === p || path.startsWith(p) : p.test(path);
}
