import type { PullOutcome } from './pull-cycle.js';

/**
 * When Desk pulls: every 4 minutes per installation (§2), never two at once. Whether
 * Desk can overlap pulls is undocumented; the channel keeps all progress in
 * channelState (design invariant 7), so overlapping pulls would hand both the same
 * state and duplicate work — the simulator runs them one after another. Manual
 * `pullOnce` calls queue behind a scheduled one the same way.
 */
export class PullSchedule {
  readonly #run: () => Promise<PullOutcome>;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #generation = 0;
  #active = false;
  #waiting = 0;

  constructor(run: () => Promise<PullOutcome>) {
    this.#run = run;
  }

  /** Pulls asked for that wait behind the one in progress (a test's signal that they queued). */
  get waiting(): number {
    return this.#waiting;
  }

  /** One pull, after any pull in progress. */
  once(): Promise<PullOutcome> {
    this.#waiting++;
    const next = this.#tail.then(() => {
      this.#waiting--;
      return this.#run();
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Pulls now, then `everyMs` after each pull ends (so a slow pull never overlaps the next). */
  start(everyMs: number, onPull?: (o: PullOutcome) => void): void {
    if (!(Number.isFinite(everyMs) && everyMs > 0)) throw new RangeError(`startPulling needs a positive interval in ms, got ${everyMs}`);
    if (this.#active) throw new Error('startPulling: already pulling; call stopPulling first');
    this.#active = true;
    const generation = ++this.#generation;
    const warn = (what: string, err: unknown) => process.emitWarning(`Desk simulator: ${what}: ${err instanceof Error ? err.message : String(err)}`);
    const tick = (): void => {
      void this.once()
        .then(
          (out) => {
            if (generation !== this.#generation) return;
            // A failing observer must not stop Desk's schedule; it is reported, not swallowed.
            try {
              onPull?.(out);
            } catch (err) {
              warn('onPull threw', err);
            }
          },
          (err: unknown) => warn('a scheduled pull failed', err),
        )
        .finally(() => {
          if (generation === this.#generation) this.#timer = setTimeout(tick, everyMs);
        });
    };
    tick();
  }

  /** Stops the schedule; resolves once a pull in progress has ended. */
  async stop(): Promise<void> {
    this.#generation++;
    this.#active = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tail;
  }
}
