import { AppError, loggedFallback } from '../errors.js';
import { awaitClaimedReply, releaseReplyClaim, type ClaimStore } from '../claims/reply-claim.js';

/**
 * A place where one marked item must exist exactly once (design invariant 6): a GitHub
 * issue's comments for an agent's reply, a Desk ticket's comments for the escalation
 * loop's note. The mark is in the item; the place only finds, posts and removes.
 */
export interface MarkedPlace<C> {
  /** The items carrying this post's mark, oldest first. */
  find(): Promise<C[]>;
  /** Posts the item; the created item when the answer describes it. */
  post(): Promise<C | undefined>;
  /** Removes a duplicate. */
  remove(item: C): Promise<void>;
  same(a: C, b: C): boolean;
  /** What the item is, for log lines ("reply", "note"). */
  what: string;
}

export interface PostOnceOptions {
  /** The post's key: claims are taken under it. */
  key: string;
  /** Shared claims: one replica posts, the others wait for its item. Without: the marks alone settle races. */
  claims?: ClaimStore | undefined;
  log?: { warn(obj: object, msg: string): void } | undefined;
  /** What a failure of the first look or of the post means to the caller (it throws). */
  fail?: (err: unknown) => Promise<never>;
  /** The error when the post was accepted but neither its answer nor a look shows the item. */
  undescribed: () => AppError;
}

/**
 * Claim, find, post, find again, keep the oldest: the item is posted once whatever
 * retries, lost answers and racing replicas do. Answers the item that stands and whether
 * it is the one this call posted (only then may the caller do what goes with a first
 * post, such as a draft: at most once).
 */
export async function postOnce<C>(place: MarkedPlace<C>, o: PostOnceOptions): Promise<{ item: C; ours: boolean }> {
  const fail = o.fail ?? ((err: unknown) => Promise.reject(err));
  const already = await place.find().catch(fail);
  if (already[0]) return { item: await keepOldest(place, already, o.log), ours: false };
  const claimed = await awaitClaimedReply(o.claims, o.key, () => place.find().then((f) => f[0]), o.log);
  if (claimed) return { item: claimed, ours: false };

  let posted: C | undefined;
  try {
    posted = await place.post();
  } catch (err) {
    // It may exist though the answer was lost: look before reporting failure.
    const found = await place.find().catch(loggedFallback<C[]>(o.log, `${place.what} post failed and the look for it failed too`, []));
    if (found[0]) return { item: await keepOldest(place, found, o.log), ours: false };
    await releaseReplyClaim(o.claims, o.key, o.log);
    return fail(err);
  }
  const all = await place
    .find()
    .catch(loggedFallback(o.log, `could not list the ${place.what} after posting it; answering with the post`, () => (posted ? [posted] : [])));
  if (!all[0] && !posted) throw o.undescribed();
  const item = all[0] ? await keepOldest(place, all, o.log) : posted!;
  return { item, ours: posted !== undefined && place.same(item, posted) };
}

/** The oldest answers for all; the others are removed, whoever posted them. A failed removal is logged and tried again by the next call. */
async function keepOldest<C>(place: MarkedPlace<C>, found: C[], log: PostOnceOptions['log']): Promise<C> {
  for (const extra of found.slice(1)) {
    await place.remove(extra).catch((err: unknown) => {
      log?.warn({ code: err instanceof AppError ? err.code : 'INTERNAL' }, `could not delete a duplicate ${place.what}; the next call tries again`);
    });
  }
  return found[0]!;
}
