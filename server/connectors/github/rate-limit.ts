/**
 * GitHub's rate limits, read from response headers and turned into a "not before"
 * time by one pure function that never sleeps (design invariant 5). Rules from
 * docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api and
 * .../best-practices-for-using-the-rest-api:
 * - `retry-after` present: wait that many seconds;
 * - `x-ratelimit-remaining: 0`: wait until `x-ratelimit-reset` (epoch seconds), plus
 *   one second so we ask after the reset, not at it (as octokit's throttling does);
 * - otherwise a 403/429 that says rate limit: at least a minute, doubling with each
 *   consecutive failure.
 */
export interface RateLimit {
  /** remaining */
  r: number;
  /** limit */
  l: number;
  /** reset, epoch seconds */
  z: number;
}

export function readRateLimit(headers: Record<string, string>): RateLimit | undefined {
  const r = intHeader(headers['x-ratelimit-remaining']);
  const l = intHeader(headers['x-ratelimit-limit']);
  const z = intHeader(headers['x-ratelimit-reset']);
  if (r === undefined || l === undefined || z === undefined) return undefined;
  return { r, l, z };
}

/**
 * When a response says we are rate limited, the epoch second before which no further
 * call should be made; undefined when it is not a rate-limit answer.
 */
export function rateLimitedUntil(status: number, headers: Record<string, string>, body: string, nowSeconds: number, consecutive: number): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = intHeader(headers['retry-after']);
  if (retryAfter !== undefined) return nowSeconds + Math.min(retryAfter, 24 * 3600);
  const limit = readRateLimit(headers);
  if (limit && limit.r === 0) return Math.max(nowSeconds + 1, Math.min(limit.z + 1, nowSeconds + 24 * 3600));
  if (status === 429 || /rate limit/i.test(body.slice(0, 2000))) {
    const backoff = 60 * 2 ** Math.min(Math.max(0, consecutive - 1), 4);
    return nowSeconds + backoff;
  }
  return undefined;
}

function intHeader(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,12}\s*$/.test(v)) return undefined;
  return Number(v);
}
