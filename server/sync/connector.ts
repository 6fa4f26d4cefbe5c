import type { PullLimits } from '../config.js';
import type { ConfigParams, SourceStatus } from '../desk/wire-types.js';
import type { DeskCall } from '../desk/normalise.js';
import type { AppError } from '../errors.js';
import type { RequestLog } from './channel.js';
import type { Budget } from './budget.js';
import type { SyncBatch } from './batch.js';

/**
 * What a connector plugs into the engine (docs/adding-a-connector.md). The engine owns
 * the pull from the HTTP edge to the answer: channelState, settings errors, clocks and
 * budgets, fair shares, cool-downs, status records, logging. A connector says which
 * sources an installation has, how they read, and how their items map to SYNC items.
 */
export interface Connector<Settings, Cursor extends object> {
  /** The service's name, for log lines (for example "GitHub"). */
  readonly service: string;
  /** Codes earlier releases of this connector recorded, and today's names for them. */
  readonly legacyCodes?: Readonly<Record<string, string>>;
  /** The installation's settings from the config params; throws AppError CONFIG_INVALID. */
  readSettings(params: ConfigParams, nowMs: number): Settings;
  /** The sources (for GitHub: repositories) these settings name, each a lower-case key of channelState. */
  sources(settings: Settings): readonly string[];
  /**
   * The source's cursor as stored in channelState (everything beside the status), or
   * undefined when it cannot be trusted: that source then starts over from the settings.
   */
  readCursor(stored: Readonly<Record<string, unknown>>, nowS: number): Cursor | undefined;
  /**
   * The cursor without what it can spare, for a channelState over its size: what only
   * saves rate limit (ETags); with `hard`, also what costs a request to rebuild.
   */
  slimCursor(cursor: Cursor, hard: boolean): Cursor;
  /** One pull's session: the sources are synced through it one after another. */
  open(context: PullContext<Settings>): PullSession<Cursor>;
}

export interface PullContext<Settings> {
  query: DeskCall;
  settings: Settings;
  limits: PullLimits;
  /** Epoch ms the pull started. */
  startedAt: number;
  /** The pull's clock: it jumps to the deadline when Desk hangs up. */
  now: () => number;
  log?: RequestLog | undefined;
}

export interface PullSession<Cursor> {
  /** Syncs one source into the batch within its budget; the cursor moves only past what the batch holds. */
  sync(source: string, cursor: Cursor | undefined, budget: Budget, batch: SyncBatch): Promise<SourceOutcome<Cursor>>;
  /** The upstream's rate limit as last seen, if its answers show it. */
  rateLimit(): SourceStatus['rl'];
  /**
   * Optional work for the whole installation that runs beside the sources' sync and ends
   * by the deadline (GitHub: one webhook per repository). It is given every stored record
   * (also of keys that are no longer sources) and answers records to keep under each key
   * beside the cursor: opaque to the engine, as cursors are. It must not fail the pull.
   */
  upkeep?(stored: Readonly<Record<string, Readonly<Record<string, unknown>>>>, deadline: number): Promise<Record<string, Record<string, unknown>>>;
}

export interface SourceOutcome<Cursor> {
  cursor: Cursor;
  /** Stopped at a budget with more waiting. */
  more: boolean;
  /** Seconds between the oldest cursor and the source's clock: the backlog estimate. */
  lag: number;
  error?: AppError;
  /**
   * Epoch seconds before which the upstream must not be called (rate limit). The engine
   * holds it to 24 h + 60 s ahead (MAX_COOL_DOWN_SECONDS): channel-state.ts reads a later
   * one as forged and would drop every cursor of the state.
   */
  coolDownUntil?: number;
}
