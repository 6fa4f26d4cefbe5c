import { currentCode } from '../server/connectors/github/legacy-codes.js';
import { normaliseRepositories } from '../server/connectors/github/repositories.js';
import type { ChannelState, SourceStatus, SyncError } from '../server/desk/wire-types.js';

/** A parsed object whose fields are named as the generated channelState types name them, still unchecked. */
type Unchecked<T> = { [K in keyof T]?: unknown };

/**
 * Reads channelState in the browser, by hand (no validator library in the bundle):
 * the same format as resources/schemas/channel-state.json, keeping only what the
 * widget shows and treating anything unexpected as unreadable, never as a crash.
 */
export interface RepoView {
  name: string;
  ok?: number;
  items: number;
  more: boolean;
  lag: number;
  rate?: { remaining: number; limit: number; reset: number };
  nextAllowedAt?: number;
  error?: { code: string; at: number; count: number };
  /** How changes arrive: by webhook (live) or by Desk's pull alone, and why. */
  delivery: 'live' | 'admin' | 'error' | 'off';
}

export interface StateView {
  at: number;
  repos: RepoView[];
  error?: { code: string; at: number; count: number };
}

export type Decoded = { kind: 'ok'; state: StateView } | { kind: 'empty' } | { kind: 'unreadable' } | { kind: 'old-version' } | { kind: 'new-version' };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nat = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const CODE = /^[A-Z][A-Z0-9_]{1,60}$/;

function readError(v: unknown): StateView['error'] | undefined | null {
  if (v === undefined) return undefined;
  if (!isObj(v)) return null;
  const e: Unchecked<SyncError> = v;
  if (typeof e.c !== 'string' || !CODE.test(e.c) || nat(e.t) === undefined) return null;
  return { code: currentCode(e.c), at: e.t as number, count: nat(e.k) ?? 1 };
}

export function decodeState(raw: string | null | undefined): Decoded {
  if (raw === null || raw === undefined || raw.trim() === '') return { kind: 'empty' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { kind: 'unreadable' };
  }
  if (!isObj(parsed)) return { kind: 'unreadable' };
  const state: Unchecked<ChannelState> = parsed;
  if (state.v !== 1) {
    if (typeof state.v !== 'number' || !Number.isInteger(state.v)) return { kind: 'unreadable' };
    return state.v < 1 ? { kind: 'old-version' } : { kind: 'new-version' };
  }
  const at = nat(state.at);
  if (at === undefined || !isObj(state.r)) return { kind: 'unreadable' };
  const topError = readError(state.err);
  if (topError === null) return { kind: 'unreadable' };
  const repos: RepoView[] = [];
  for (const [name, r] of Object.entries(state.r)) {
    if (!isObj(r) || !isObj(r.s)) return { kind: 'unreadable' };
    const s: Unchecked<SourceStatus> = r.s;
    const error = readError(s.err);
    if (error === null) return { kind: 'unreadable' };
    const w = isObj(r.w) ? r.w : undefined;
    const delivery = !w ? 'off' : w.p === 'admin' ? 'admin' : w.p === 'error' ? 'error' : nat(w.i) !== undefined ? 'live' : 'error';
    const view: RepoView = { name, items: nat(s.n) ?? 0, more: s.more === true, lag: nat(s.lag) ?? 0, delivery };
    const ok = nat(s.ok);
    if (ok !== undefined) view.ok = ok;
    if (isObj(s.rl) && nat(s.rl.r) !== undefined && nat(s.rl.l) !== undefined && nat(s.rl.z) !== undefined) {
      view.rate = { remaining: s.rl.r as number, limit: s.rl.l as number, reset: s.rl.z as number };
    }
    const na = nat(s.na);
    if (na !== undefined) view.nextAllowedAt = na;
    if (error) view.error = error;
    repos.push(view);
  }
  return { kind: 'ok', state: { at, repos, ...(topError ? { error: topError } : {}) } };
}

/** The repositories an admin configured, read exactly as the server reads them. */
export function configuredRepos(...raw: Array<string | null | undefined>): string[] {
  return normaliseRepositories(...raw);
}
