/**
 * The hook URL each of our hooks should carry, as this process's pulls last installed or
 * confirmed it (hook id → sealed token). A delivery through another URL of ours, an old
 * one a repository admin restored, would apply the settings sealed into it (an old
 * `labels` filter, pull requests, story threads) until the daily hook check: instead it
 * is dropped (the pull brings its items) and the hook is marked for repair at the next
 * pull. Per process and bounded: a replica that has not pulled for an installation
 * since it started knows no URL for it and takes what opens (README, Webhooks).
 */
export class InstalledHookUrls {
  readonly #urls = new Map<string, { token: string; previous?: string | undefined; changedAt: number }>();
  readonly #stale = new Set<string>();
  constructor(
    private readonly now: () => number = Date.now,
    /** How long the URL a pull replaced is still taken: deliveries GitHub sent before the change arrive after it. */
    readonly graceMs = 60_000,
    readonly maxHooks = 100_000,
  ) {}

  /** A pull installed or confirmed `token` on hook `id`: its repair, if one was due, is done. */
  installed(id: string, token: string): void {
    this.#stale.delete(id);
    const known = this.#urls.get(id);
    if (known?.token === token) return;
    this.#urls.delete(id);
    this.#urls.set(id, { token, previous: known?.token, changedAt: this.now() });
    if (this.#urls.size > this.maxHooks) this.#urls.delete(this.#urls.keys().next().value!);
  }

  /**
   * Whether a delivery through `token` may be taken: the installed URL, or the one it
   * replaced within the grace, or none known here. A stale URL marks the hook for repair;
   * `firstTime` is true the first time since the last repair (one log line per hook).
   */
  judge(id: string, token: string): { take: true } | { take: false; firstTime: boolean } {
    const known = this.#urls.get(id);
    if (!known || known.token === token) return { take: true };
    if (known.previous === token && this.now() - known.changedAt < this.graceMs) return { take: true };
    const firstTime = !this.#stale.has(id);
    this.#stale.add(id);
    return { take: false, firstTime };
  }

  /** A delivery came through an old URL of this hook: the next pull checks it with GitHub whatever its record says. */
  needsRepair(id: string): boolean {
    return this.#stale.has(id);
  }
}
