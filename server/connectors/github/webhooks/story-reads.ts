import { isAppError } from '../../../errors.js';
import { PlaceCount } from '../../../http/connection-caps.js';

export type StoryReadOutcome = 'read' | 'shared' | 'skipped';

/**
 * The events reads that deliveries' story threads cost, shared and bounded: identical
 * reads (the same issue at the same update) share one request, an installation has at
 * most `perInstallation` reads in flight (its token is the pull's too: calls are never
 * a crowd), and after GitHub's rate limit answers, none until its reset. A read not
 * made is no loss: the ticket still goes, and the next pull tells the story.
 */
export class StoryReads {
  readonly #shared = new Map<string, Promise<unknown[]>>();
  readonly #places: PlaceCount;
  readonly #coolDownUntil = new Map<string, number>();

  constructor(
    readonly perInstallation = 2,
    private readonly now: () => number = Date.now,
    /** Told of each read as it is decided: made, shared with an identical one in flight, or skipped. */
    private readonly onOutcome: (outcome: StoryReadOutcome) => void = () => undefined,
  ) {
    this.#places = new PlaceCount({ total: Infinity, perKey: perInstallation });
  }

  /** The events `read` answers, or none when the read is left to the pull. */
  async read(installation: string, key: string, read: () => Promise<unknown[]>): Promise<unknown[] | undefined> {
    const shared = this.#shared.get(`${installation}\n${key}`);
    if (shared) {
      this.onOutcome('shared');
      return shared;
    }
    const release = (this.#coolDownUntil.get(installation) ?? 0) > this.now() ? undefined : this.#places.enter(installation);
    if (typeof release !== 'function') {
      this.onOutcome('skipped');
      return undefined;
    }
    this.onOutcome('read');
    const pending = read();
    this.#shared.set(`${installation}\n${key}`, pending);
    try {
      return await pending;
    } catch (err) {
      if (isAppError(err) && err.code === 'UPSTREAM_RATE_LIMITED') {
        this.#coolDownUntil.set(installation, this.now() + (err.retryAfter ?? 60) * 1000);
        if (this.#coolDownUntil.size > 10_000) this.#coolDownUntil.delete(this.#coolDownUntil.keys().next().value!);
      }
      throw err;
    } finally {
      this.#shared.delete(`${installation}\n${key}`);
      release();
    }
  }
}
