import { loggedFallback } from '../errors.js';
import type { ClaimStore } from './claim-store.js';

export type { ClaimStore };

/** Longer than a reply's POST and look-ups take; a crashed claimant's claim ends with it. */
export const REPLY_CLAIM_TTL_MS = 60_000;
/** How long a push that lost the claim waits for the winner's comment before posting itself. */
const WAIT_MS = 20_000;
const POLL_MS = [50, 100, 200, 400, 800];

const claimKey = (key: string): string => `reply:${key}`;

/**
 * Claims a reply before its GitHub POST. The winner (or anyone, when the store fails:
 * the marker still settles duplicates) gets undefined and posts. A loser looks for the
 * winner's comment and answers with it; when the winner gave up its claim (its POST
 * failed) or the wait ends, the loser claims in turn, looks once more, and posts.
 */
export async function awaitClaimedReply<T>(
  claims: ClaimStore | undefined,
  key: string,
  find: () => Promise<T | undefined>,
  log?: { warn(obj: object, msg: string): void },
): Promise<T | undefined> {
  if (!claims) return undefined;
  const claim = (): Promise<boolean> =>
    claims.claim(claimKey(key), REPLY_CLAIM_TTL_MS).catch(loggedFallback(log, 'claim store failed: posting, the marker settles duplicates', true));
  const look = (): Promise<T | undefined> => find().catch(loggedFallback<T | undefined>(log, "could not look for the claimant's reply", undefined));
  if (await claim()) return undefined;
  const end = Date.now() + WAIT_MS;
  for (let i = 0; ; i++) {
    await new Promise((r) => setTimeout(r, POLL_MS[Math.min(i, POLL_MS.length - 1)]));
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() >= end || (await claim())) return look();
  }
}

/** A claimant whose POST failed gives the claim up, so a waiting push takes over at once. */
export async function releaseReplyClaim(claims: ClaimStore | undefined, key: string, log?: { warn(obj: object, msg: string): void }): Promise<void> {
  // A claim not given up ends with its TTL: a waiting push posts later, not twice.
  await claims?.release(claimKey(key)).catch(loggedFallback(log, 'could not give up a reply claim', undefined));
}
