import type { ChannelState } from './wire-types.js';
import { validators } from './schemas.js';
import { currentCode } from '../sync/status-codes.js';

/** Desk documents no limit on channelState; we stay under Zendesk's twin (5000) with room to spare. */
export const MAX_STATE_BYTES = 4096;

export type DecodedState =
  | { state: ChannelState; problem?: undefined }
  | { state: null; problem: 'empty' | 'unreadable' | 'old-version' | 'out-of-range' };

/** GitHub's longest wait: rate-limit.ts caps Retry-After and resets at a day. */
export const MAX_COOL_DOWN_SECONDS = 24 * 3600 + 60;
/** How far a recorded time may run ahead of our clock (GitHub's clock, drift). */
export const MAX_CLOCK_SKEW_SECONDS = 3600;
/** GitHub's ETags are `W/"` + 64 hex digits + `"` (68 characters); the schema allows 100. */
export const MAX_ETAG_LENGTH = 100;

/**
 * Reads channelState as Desk sends it back. Recovery policy for anything we cannot
 * read (README, "channelState"): start over from import_since. That re-sends items Desk
 * may already have, which Desk treats as updates (same extIds), so nothing is lost or
 * duplicated; the alternative, trusting a damaged cursor, could skip items for good.
 */
export function decodeChannelState(raw: string | null | undefined, nowMs: number = Date.now()): DecodedState {
  if (raw === null || raw === undefined || raw.trim() === '') return { state: null, problem: 'empty' };
  // We never write more than MAX_STATE_BYTES: anything larger was not written by us.
  if (Buffer.byteLength(raw) > MAX_STATE_BYTES) return { state: null, problem: 'unreadable' };
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
  if (!inRange(parsed, Math.floor(nowMs / 1000))) return { state: null, problem: 'out-of-range' };
  return { state: withCurrentCodes(parsed) };
}

/** Codes an earlier release recorded, renamed as today's catalogue names them (consecutive counts carry on). */
function withCurrentCodes(state: ChannelState): ChannelState {
  if (state.err) state.err.c = currentCode(state.err.c);
  for (const source of Object.values(state.r)) if (source.s.err) source.s.err.c = currentCode(source.s.err.c);
  return state;
}

/**
 * Times the schema cannot judge: none may lie ahead of the clock (a cursor there would
 * skip everything up to it), and no cool-down may outlast GitHub's longest wait (it
 * would stall the installation with no call to GitHub that could end it).
 */
function inRange(state: ChannelState, nowS: number): boolean {
  const latest = nowS + MAX_CLOCK_SKEW_SECONDS;
  const times = [state.at, state.err?.t];
  for (const repo of Object.values(state.r)) {
    times.push(repo.i?.t, repo.c?.t, repo.u, repo.s.ok, repo.s.err?.t);
    if ((repo.s.na ?? 0) > nowS + MAX_COOL_DOWN_SECONDS) return false;
    for (const id of [repo.i?.a, repo.c?.a]) if (id !== undefined && !Number.isSafeInteger(id)) return false;
  }
  return times.every((t) => t === undefined || t <= latest);
}

/**
 * Serialises the state within MAX_STATE_BYTES, giving up the least useful parts first:
 * ETags (they only save rate limit, the events' one too), then the figures only the widget reads. Cursors
 * are never dropped.
 */
export function encodeChannelState(state: ChannelState): string {
  let text = JSON.stringify(state, withoutLongEtags);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  const slim: ChannelState = structuredClone(state);
  for (const repo of Object.values(slim.r)) {
    delete repo.e;
    delete repo.ev?.e;
  }
  if (slim.err) {
    // Written for a whole-installation error (bad settings) over a full state: the widget's figures go first.
    for (const repo of Object.values(slim.r)) repo.s = { n: repo.s.n };
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

/** An ETag longer than the schema allows is not kept (an ETag only saves rate limit): the state must read back. */
function withoutLongEtags(key: string, value: unknown): unknown {
  if (key !== 'e' || typeof value !== 'object' || value === null) return value;
  const kept = Object.entries(value).filter(([, tag]) => typeof tag === 'string' && tag.length <= MAX_ETAG_LENGTH);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
