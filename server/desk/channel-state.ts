import type { ChannelState } from './wire-types.js';
import { validators } from './schemas.js';

/** Desk documents no limit on channelState; we stay under Zendesk's twin (5000) with room to spare. */
export const MAX_STATE_BYTES = 4096;

export type DecodedState =
  | { state: ChannelState; problem?: undefined }
  | { state: null; problem: 'empty' | 'unreadable' | 'old-version' };

/**
 * Reads channelState as Desk sends it back. Recovery policy for anything we cannot
 * read (README, "channelState"): start over from importSince. That re-sends items Desk
 * may already have, which Desk treats as updates (same extIds), so nothing is lost or
 * duplicated; the alternative, trusting a damaged cursor, could skip items for good.
 */
export function decodeChannelState(raw: string | null | undefined): DecodedState {
  if (raw === null || raw === undefined || raw.trim() === '') return { state: null, problem: 'empty' };
  if (raw.length > 64 * 1024) return { state: null, problem: 'unreadable' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { state: null, problem: 'unreadable' };
  }
  if (typeof parsed === 'object' && parsed !== null && 'v' in parsed && (parsed as { v: unknown }).v !== 1) {
    return { state: null, problem: 'old-version' };
  }
  if (!validators.channelState(parsed)) return { state: null, problem: 'unreadable' };
  return { state: parsed };
}

/**
 * Serialises the state within MAX_STATE_BYTES, giving up the least useful parts first:
 * ETags (they only save rate limit, the events' one too), then the figures only the widget reads. Cursors
 * are never dropped.
 */
export function encodeChannelState(state: ChannelState): string {
  let text = JSON.stringify(state);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  const slim: ChannelState = structuredClone(state);
  for (const repo of Object.values(slim.r)) {
    delete repo.e;
    delete repo.ev?.e;
  }
  text = JSON.stringify(slim);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  for (const repo of Object.values(slim.r)) {
    delete repo.s.rl;
    delete repo.s.lag;
    delete repo.s.more;
  }
  text = JSON.stringify(slim);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  throw new Error(`channelState needs ${Buffer.byteLength(text)} bytes even without ETags and figures`);
}
