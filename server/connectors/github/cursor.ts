import { compiled } from '../../desk/schemas.js';
import type { RepoCursor } from './wire-types.js';
import { MAX_CLOCK_SKEW_SECONDS } from '../../desk/channel-state.js';

/** GitHub's ETags are `W/"` + 64 hex digits + `"` (68 characters); the cursor schema allows 100. */
export const MAX_ETAG_LENGTH = 100;

const valid = compiled<RepoCursor>('github-cursor.json');

/**
 * A repository's cursor as channelState holds it (resources/schemas/github-cursor.json),
 * or undefined when it cannot be trusted: a time ahead of the clock would skip
 * everything up to it, an id past 2^53 would not compare exactly.
 */
export function readCursor(raw: Readonly<Record<string, unknown>>, nowS: number): RepoCursor | undefined {
  const stored: unknown = raw;
  if (!valid(stored)) return undefined;
  const latest = nowS + MAX_CLOCK_SKEW_SECONDS;
  if (![stored.i?.t, stored.c?.t, stored.u].every((t) => t === undefined || t <= latest)) return undefined;
  if (![stored.i?.a, stored.c?.a].every((id) => id === undefined || Number.isSafeInteger(id))) return undefined;
  return stored;
}

/**
 * The cursor without its ETags (they only save rate limit), for a channelState over its
 * size; `hard`: without the webhook record too (the next pull finds the hook by its URL).
 */
export function slimCursor(cursor: RepoCursor, hard = false): RepoCursor {
  const { e: _e, w, ...kept } = cursor;
  const rest: RepoCursor = hard || !w ? kept : { ...kept, w };
  if (rest.ev?.e === undefined) return rest;
  const { e: _eventsEtag, ...ev } = rest.ev;
  return { ...rest, ev };
}

/** An ETag worth keeping: one longer than the schema allows would make the state unreadable. */
export function storableEtag(tag: string | undefined): string | undefined {
  return tag !== undefined && tag.length <= MAX_ETAG_LENGTH ? tag : undefined;
}
