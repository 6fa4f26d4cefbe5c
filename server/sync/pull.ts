import type { ChannelState, SourceState, SourceStatus } from '../desk/wire-types.js';
import { AppError, isAppError } from '../errors.js';
import { MAX_COOL_DOWN_SECONDS } from '../desk/channel-state.js';
import type { RequestLog } from './channel.js';
import { Budget, type BudgetLimits } from './budget.js';
import { SyncBatch } from './batch.js';
import type { PullSession, SourceOutcome } from './connector.js';

export interface PullResult {
  batch: SyncBatch;
  state: ChannelState;
}

export interface PullInput<Cursor> {
  session: PullSession<Cursor>;
  sources: readonly string[];
  /** Each source's cursor as the connector read it back (undefined: start from the settings). */
  cursors: ReadonlyMap<string, Cursor>;
  previous: ChannelState | null;
  limits: BudgetLimits;
  now: () => number;
  log?: RequestLog | undefined;
}

type Outcome<Cursor> = SourceOutcome<Cursor> & { items: number };

/** One pull's progress: the batch, the budget, each source's outcome so far, the cool-down met. */
interface Run<Cursor> {
  input: PullInput<Cursor>;
  batch: SyncBatch;
  budget: Budget;
  outcomes: Map<string, Outcome<Cursor>>;
  coolDownUntil: number;
}

/**
 * One pull: every source gets a fair share of the item, byte and time budgets, in
 * turn (no parallel calls on one set of credentials); what a source leaves unused goes
 * to the sources after it, and a second round gives what is left to sources that still
 * have more. A source in a rate-limit cool-down is not called at all and keeps its
 * cursor (design invariants 1, 4, 5).
 */
export async function runPull<Cursor>(input: PullInput<Cursor>): Promise<PullResult> {
  const nowS = Math.floor(input.now() / 1000);
  const previousCoolDown = Math.max(0, ...input.sources.map((s) => input.previous?.r[s]?.s.na ?? 0));
  const run: Run<Cursor> = {
    input,
    batch: new SyncBatch(),
    budget: new Budget(input.limits),
    outcomes: new Map(),
    coolDownUntil: previousCoolDown > nowS ? previousCoolDown : 0,
  };
  await runRound(run, [...input.sources]);
  const hungry = input.sources.filter((s) => run.outcomes.get(s)?.more && !run.outcomes.get(s)?.error);
  if (hungry.length > 0 && run.budget.timeLeft(input.now()) > 0 && run.budget.fits({ tickets: 1, threads: 1, bytes: 4096 })) await runRound(run, hungry);
  return { batch: run.batch, state: stateOf(run, nowS) };
}

async function runRound<Cursor>(run: Run<Cursor>, sources: string[]): Promise<void> {
  const { now } = run.input;
  for (let i = 0; i < sources.length; i++) {
    if (run.coolDownUntil > Math.floor(now() / 1000)) break;
    const source = sources[i]!;
    const left = sources.length - i;
    const share = run.budget.share(left, Math.floor(now() + Math.max(0, run.budget.timeLeft(now())) / left));
    const before = share.remaining;
    const seen = run.outcomes.get(source);
    const sizeBefore = run.batch.size;
    const outcome = await syncOne(run, source, seen ? seen.cursor : run.input.cursors.get(source), share);
    const after = share.remaining;
    run.budget.take({ tickets: before.tickets - after.tickets, threads: before.threads - after.threads, bytes: before.bytes - after.bytes });
    run.outcomes.set(source, { ...outcome, items: (seen?.items ?? 0) + run.batch.size - sizeBefore });
    // Held to the longest cool-down channelState takes: a later one would read as forged and drop every cursor.
    if (outcome.coolDownUntil)
      run.coolDownUntil = Math.max(run.coolDownUntil, Math.min(outcome.coolDownUntil, Math.floor(now() / 1000) + MAX_COOL_DOWN_SECONDS));
  }
}

/** One source's turn; its failure is recorded (and logged once, with its cause), never thrown. */
async function syncOne<Cursor>(run: Run<Cursor>, source: string, cursor: Cursor | undefined, share: Budget): Promise<SourceOutcome<Cursor>> {
  const { log } = run.input;
  let outcome: SourceOutcome<Cursor>;
  try {
    outcome = await run.input.session.sync(source, cursor, share, run.batch);
  } catch (err) {
    // A connector bug must not cost other sources their pull, nor move this cursor.
    const error = isAppError(err) ? err : new AppError('INTERNAL', 'connector failed', { cause: err });
    outcome = { cursor: cursor as Cursor, more: false, lag: 0, error };
  }
  const e = outcome.error;
  if (e?.code === 'INTERNAL') log?.error({ code: e.code, source, err: e.cause ?? e }, e.message);
  else if (e) log?.warn({ code: e.code, source, err: e.cause }, e.message);
  return outcome;
}

function stateOf<Cursor>(run: Run<Cursor>, nowS: number): ChannelState {
  const state: ChannelState = { v: 1, at: nowS, r: {} };
  const rl = run.input.session.rateLimit();
  for (const source of run.input.sources) {
    const prev = run.input.previous?.r[source];
    const o = run.outcomes.get(source);
    if (!o) {
      // Not called: cooling down. Keep everything, record why.
      const error = new AppError('UPSTREAM_RATE_LIMITED', 'cooling down');
      state.r[source] = {
        ...(run.input.cursors.get(source) as object | undefined),
        s: statusOf(prev?.s, nowS, { items: 0, error, coolDownUntil: run.coolDownUntil, rl }),
      };
      continue;
    }
    const coolDownUntil = run.coolDownUntil || undefined;
    const s = statusOf(prev?.s, nowS, { items: o.items, error: o.error, more: o.more, lag: o.lag, coolDownUntil, rl });
    state.r[source] = { ...(o.cursor as object | undefined), s };
  }
  return state;
}

/** What the connector stored beside the status, as it was (the engine never reads inside). */
export function cursorPart(r: SourceState | undefined): Record<string, unknown> {
  if (!r) return {};
  const { s: _s, ...cursor } = r;
  return cursor;
}

interface StatusInput {
  items: number;
  error?: AppError | undefined;
  more?: boolean;
  lag?: number;
  coolDownUntil?: number | undefined;
  rl: SourceStatus['rl'];
}

function statusOf(prev: SourceStatus | undefined, nowS: number, o: StatusInput): SourceStatus {
  const s: SourceStatus = { n: o.items };
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
