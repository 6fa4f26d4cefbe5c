import type { ChannelState, SourceState } from './wire-types.js';
import { validators } from './schemas.js';

/** Desk documents no limit on channelState; we stay under Zendesk's twin (5000) with room to spare. */
export const MAX_STATE_BYTES = 4096;

export type DecodedState = { state: ChannelState; problem?: undefined } | { state: null; problem: 'empty' | 'unreadable' | 'old-version' | 'out-of-range' };

/** The longest cool-down a connector records (GitHub's rate-limit.ts caps Retry-After and resets at a day). */
export const MAX_COOL_DOWN_SECONDS = 24 * 3600 + 60;
/** How far a recorded time may run ahead of our clock (the upstream's clock, drift). */
export const MAX_CLOCK_SKEW_SECONDS = 3600;

/**
 * Reads channelState as Desk sends it back. Recovery policy for anything we cannot
 * read (README, "channelState"): start over from import_since. That re-sends items Desk
 * may already have, which Desk treats as updates (same extIds), so nothing is lost or
 * duplicated; the alternative, trusting a damaged cursor, could skip items for good.
 * Each source's cursor is the connector's to read (Connector.readCursor); codes an
 * earlier release wrote are read under today's names (Connector.legacyCodes).
 */
export function decodeChannelState(
  raw: string | null | undefined,
  nowMs: number = Date.now(),
  legacyCodes: Readonly<Record<string, string>> = {},
): DecodedState {
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
  return { state: withCurrentCodes(parsed, legacyCodes) };
}

/** Codes an earlier release recorded, renamed as today's catalogue names them (consecutive counts carry on). */
function withCurrentCodes(state: ChannelState, legacy: Readonly<Record<string, string>>): ChannelState {
  const current = (c: string) => (Object.hasOwn(legacy, c) ? legacy[c]! : c);
  if (state.err) state.err.c = current(state.err.c);
  for (const source of Object.values(state.r)) if (source.s.err) source.s.err.c = current(source.s.err.c);
  return state;
}

/**
 * Times the schema cannot judge: none may lie ahead of the clock, and no cool-down may
 * outlast the longest wait (it would stall the installation with no upstream call that
 * could end it). The connector judges its own cursor's times.
 */
function inRange(state: ChannelState, nowS: number): boolean {
  const latest = nowS + MAX_CLOCK_SKEW_SECONDS;
  const times = [state.at, state.err?.t];
  for (const source of Object.values(state.r)) {
    times.push(source.s.ok, source.s.err?.t);
    if ((source.s.na ?? 0) > nowS + MAX_COOL_DOWN_SECONDS) return false;
  }
  return times.every((t) => t === undefined || t <= latest);
}

/** A connector's cursor without what it can spare; `hard`: also what costs a request to rebuild. */
export type Slim = (cursor: Record<string, unknown>, hard: boolean) => Record<string, unknown>;

/**
 * Serialises the state within MAX_STATE_BYTES, giving up the least useful parts first:
 * what each connector's `slim` lets go (ETags: they only save rate limit), then the
 * figures only the widget reads. Cursors are never dropped.
 */
export function encodeChannelState(state: ChannelState, slim: Slim = (c) => c): string {
  let text = JSON.stringify(state);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  const slimmed: ChannelState = { ...state, r: {} };
  for (const [name, source] of Object.entries(state.r)) slimmed.r[name] = slimSource(source, slim, !!state.err);
  text = JSON.stringify(slimmed);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  for (const source of Object.values(slimmed.r)) {
    delete source.s.rl;
    delete source.s.lag;
    delete source.s.more;
  }
  text = JSON.stringify(slimmed);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  // Last: what the connector can rebuild at the cost of a request (GitHub: the webhooks'
  // records; the next pull finds its hook by URL prefix, never making a second one).
  for (const [name, source] of Object.entries(slimmed.r)) {
    const { s, ...cursor } = source;
    slimmed.r[name] = { ...slim(cursor, true), s };
  }
  text = JSON.stringify(slimmed);
  if (Buffer.byteLength(text) <= MAX_STATE_BYTES) return text;
  throw new Error(`channelState needs ${Buffer.byteLength(text)} bytes even without ETags and figures`);
}

function slimSource(source: SourceState, slim: Slim, installationError: boolean): SourceState {
  const { s, ...cursor } = structuredClone(source);
  // Written for a whole-installation error (bad settings) over a full state: the widget's figures go first.
  return { ...slim(cursor, false), s: installationError ? { n: s.n } : s };
}
