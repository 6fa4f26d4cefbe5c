/**
 * GitHub's primary limit (requests per hour per token, headers on every answer, 304s
 * free) and the secondary limit on content creation (docs: "Rate limits for the REST
 * API": about 80 content-creating requests a minute).
 */
export interface Window {
  limit: number;
  used: number;
  reset: number;
}

export const SECONDARY_CREATES_PER_MINUTE = 80;

export class RateLimits {
  readonly #windows = new Map<string, Window>();
  readonly #creates = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  window(key: string): Window {
    const t = this.now();
    let w = this.#windows.get(key);
    if (!w || t >= w.reset) {
      w = { limit: this.limit, used: 0, reset: t + 3600 };
      this.#windows.set(key, w);
    }
    return w;
  }

  set(key: string, o: { remaining?: number; reset?: number }): void {
    const w = this.window(key);
    if (o.remaining !== undefined) w.used = Math.max(0, w.limit - o.remaining);
    if (o.reset !== undefined) w.reset = o.reset;
  }

  headers(key: string): Record<string, string> {
    const w = this.window(key);
    return {
      'x-ratelimit-limit': String(w.limit),
      'x-ratelimit-remaining': String(Math.max(0, w.limit - w.used)),
      'x-ratelimit-used': String(w.used),
      'x-ratelimit-reset': String(w.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  exhausted(key: string): boolean {
    const w = this.window(key);
    return w.used >= w.limit;
  }

  spend(key: string): void {
    this.window(key).used++;
  }

  /** Records a content-creating request; true when it is over the secondary limit. */
  overSecondary(key: string): boolean {
    const t = this.now();
    const recent = (this.#creates.get(key) ?? []).filter((s) => s > t - 60);
    recent.push(t);
    this.#creates.set(key, recent);
    return recent.length > SECONDARY_CREATES_PER_MINUTE;
  }
}
