import type { Server, Socket } from 'node:net';

/**
 * Places held at once, per key and in all: the one counter behind the connection caps
 * below, the webhook door's deliveries in flight (deliveries/door.ts) and the story reads
 * per installation (connectors/github/webhooks/story-reads.ts).
 */
export class PlaceCount {
  #total = 0;
  readonly #perKey = new Map<string, number>();
  #waiters: Array<{ n: number; resolve: () => void }> = [];
  constructor(private readonly limits: { total: number; perKey: number }) {}

  /** A release function (idempotent), or why there is no place: the total, or this key's share. */
  enter(key: string): (() => void) | 'total' | 'per-key' {
    const mine = this.#perKey.get(key) ?? 0;
    if (this.#total >= this.limits.total) return 'total';
    if (mine >= this.limits.perKey) return 'per-key';
    this.#total++;
    this.#perKey.set(key, mine + 1);
    this.#changed();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perKey.get(key) ?? 1) - 1;
      if (left <= 0) this.#perKey.delete(key);
      else this.#perKey.set(key, left);
      this.#changed();
    };
  }

  /** Resolves when exactly `n` places are held (now, or at a later enter or release): a signal for tests and drains. */
  whenHeld(n: number): Promise<void> {
    if (this.#total === n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  #changed(): void {
    const due = this.#waiters.filter((w) => w.n === this.#total);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.n !== this.#total);
    for (const w of due) w.resolve();
  }

  get held(): number {
    return this.#total;
  }
}

/**
 * Connections per peer address and in all, capped where they are accepted: past a cap a
 * connection is closed before a byte of it is read, so a flood of slow clients holds no
 * request state or body buffer (the webhook door caps bodies in flight on top: door.ts).
 * Behind a proxy every connection has the proxy's address: raise the per-client cap there.
 */
export interface ConnectionCaps {
  total: number;
  perClient: number;
}

export const DEFAULT_CONNECTION_CAPS: ConnectionCaps = { total: 2048, perClient: 256 };

/** Answers the count of open connections (its whenHeld is a drain's and a test's signal). */
export function capConnections(server: Server, caps: ConnectionCaps, onRefused: (why: 'total' | 'per-client') => void): PlaceCount {
  const places = new PlaceCount({ total: caps.total, perKey: caps.perClient });
  server.on('connection', (socket: Socket) => {
    const release = places.enter(socket.remoteAddress ?? '');
    if (typeof release !== 'function') {
      onRefused(release === 'total' ? 'total' : 'per-client');
      socket.destroy();
      return;
    }
    socket.once('close', release);
  });
  return places;
}
