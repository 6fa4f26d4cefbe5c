/**
 * Work that must run once however many identical requests arrive together: callers
 * with the same key while one runs share its outcome. This is the in-process flight
 * of one server; a store shared by replicas (Redis) can implement the same interface.
 */
export interface SingleFlight {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export class InProcessSingleFlight implements SingleFlight {
  readonly #running = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running as Promise<T>;
    const flight = work().finally(() => this.#running.delete(key));
    this.#running.set(key, flight);
    return flight;
  }

  /** Flights in progress (for tests and metrics). */
  get size(): number {
    return this.#running.size;
  }
}
