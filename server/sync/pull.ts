import type { ChannelState, RepoState, RepoStatus } from '../desk/wire-types.js';
import { AppError, isAppError } from '../errors.js';
import { Budget, type BudgetLimits } from './budget.js';
import { SyncBatch } from './batch.js';

/** A source's cursor, as the connector keeps it: everything of RepoState but the status. */
export type SourceCursor = Omit<RepoState, 's'>;

export interface SourceOutcome {
  cursor: SourceCursor;
  /** Stopped at a budget with more waiting. */
  more: boolean;
  /** Seconds between the oldest cursor and the source's clock: the backlog estimate. */
  lag: number;
  error?: AppError;
  /** Epoch seconds before which the source's API must not be called (rate limit). */
  coolDownUntil?: number;
}

/**
 * A connector syncs named sources (for GitHub: repositories) into the batch, each
 * within the budget it is given. Sources share the connector's credentials, so a
 * rate limit met by one cools all of them down.
 */
export interface Connector {
  readonly sources: readonly string[];
  sync(source: string, cursor: SourceCursor | undefined, budget: Budget, batch: SyncBatch): Promise<SourceOutcome>;
  /** The rate limit as last seen, if the transport shows it. */
  rateLimit(): RepoStatus['rl'];
}

export interface PullResult {
  batch: SyncBatch;
  state: ChannelState;
}

/**
 * One pull: every source gets a fair share of the item, byte and time budgets, in
 * turn (no parallel calls on one token, as GitHub asks); what a source leaves unused
 * goes to the sources after it, and a second round gives what is left to sources that
 * still have more. A source in a rate-limit cool-down is not called at all and keeps
 * its cursor (design invariants 1, 4, 5).
 */
export async function runPull(connector: Connector, previous: ChannelState | null, limits: BudgetLimits, now: () => number): Promise<PullResult> {
  const startedAt = now();
  const nowS = Math.floor(startedAt / 1000);
  const batch = new SyncBatch();
  const budget = new Budget(limits);
  const outcomes = new Map<string, SourceOutcome & { items: number }>();
  let coolDownUntil = Math.max(0, ...connector.sources.map((s) => previous?.r[s]?.s.na ?? 0));
  if (coolDownUntil <= nowS) coolDownUntil = 0;

  const runRound = async (sources: string[]): Promise<void> => {
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      if (coolDownUntil > Math.floor(now() / 1000)) break;
      const left = sources.length - i;
      const timeShare = Math.floor(now() + Math.max(0, budget.timeLeft(now())) / left);
      const share = budget.share(left, timeShare);
      const before = share.remaining;
      const seen = outcomes.get(source);
      const cursor = seen ? seen.cursor : previous?.r[source] ? withoutStatus(previous.r[source]!) : undefined;
      const sizeBefore = batch.size;
      let outcome: SourceOutcome;
      try {
        outcome = await connector.sync(source, cursor, share, batch);
      } catch (err) {
        // A connector bug must not cost other sources their pull, nor move this cursor.
        outcome = { cursor: cursor ?? {}, more: false, lag: 0, error: isAppError(err) ? err : new AppError('INTERNAL', 'connector failed', { cause: err }) };
      }
      const after = share.remaining;
      budget.take({ tickets: before.tickets - after.tickets, threads: before.threads - after.threads, bytes: before.bytes - after.bytes });
      outcomes.set(source, { ...outcome, items: (seen?.items ?? 0) + batch.size - sizeBefore });
      if (outcome.coolDownUntil) coolDownUntil = Math.max(coolDownUntil, outcome.coolDownUntil);
    }
  };

  await runRound([...connector.sources]);
  const hungry = connector.sources.filter((s) => outcomes.get(s)?.more && !outcomes.get(s)?.error);
  if (hungry.length > 0 && budget.timeLeft(now()) > 0 && budget.fits({ tickets: 1, threads: 1, bytes: 4096 })) await runRound(hungry);

  const state: ChannelState = { v: 1, at: nowS, r: {} };
  const rl = connector.rateLimit();
  for (const source of connector.sources) {
    const prev = previous?.r[source];
    const o = outcomes.get(source);
    if (!o) {
      // Not called: cooling down. Keep everything, record why.
      state.r[source] = {
        ...(prev ? withoutStatus(prev) : {}),
        s: statusOf(prev?.s, nowS, { items: 0, error: new AppError('UPSTREAM_RATE_LIMITED', 'cooling down'), coolDownUntil, rl }),
      };
      continue;
    }
    state.r[source] = {
      ...o.cursor,
      s: statusOf(prev?.s, nowS, { items: o.items, error: o.error, more: o.more, lag: o.lag, coolDownUntil: coolDownUntil || undefined, rl }),
    };
  }
  return { batch, state };
}

function withoutStatus(r: RepoState): SourceCursor {
  const { s: _s, ...cursor } = r;
  return cursor;
}

function statusOf(
  prev: RepoStatus | undefined,
  nowS: number,
  o: { items: number; error?: AppError | undefined; more?: boolean; lag?: number; coolDownUntil?: number | undefined; rl: RepoStatus['rl'] },
): RepoStatus {
  const s: RepoStatus = { n: o.items };
  const ok = o.error ? prev?.ok : nowS;
  if (ok !== undefined) s.ok = ok;
  if (o.more) s.more = true;
  if (o.lag !== undefined && o.lag > 0) s.lag = Math.round(o.lag);
  const rl = o.rl ?? prev?.rl;
  if (rl) s.rl = rl;
  if (o.coolDownUntil && o.coolDownUntil > nowS) s.na = o.coolDownUntil;
  if (o.error) {
    const c = o.error.code;
    s.err = { c, t: nowS, k: prev?.err?.c === c ? (prev.err.k ?? 1) + 1 : 1 };
  }
  return s;
}
