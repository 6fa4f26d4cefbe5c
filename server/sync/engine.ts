import type { PullLimits } from '../config.js';
import { decodeChannelState, encodeChannelState, type Slim } from '../desk/channel-state.js';
import type { ChannelState, ConfigParams, SyncObject } from '../desk/wire-types.js';
import type { DeskCall } from '../desk/normalise.js';
import { isAppError, type AppError } from '../errors.js';
import type { PullAnswer, RequestLog } from './channel.js';
import { SyncBatch } from './batch.js';
import type { Connector } from './connector.js';
import { cursorPart, runPull } from './pull.js';

export interface PullRequest {
  query: DeskCall;
  body: ConfigParams;
  signal: AbortSignal;
  log?: RequestLog | undefined;
}

/** Bytes of the answer kept back from the byte budget for channelState and the envelope. */
const ENVELOPE_BYTES = 8192;

/**
 * The engine's pull, from the HTTP edge to the answer, for any connector: read
 * channelState, read the settings (a bad one becomes a state the widget shows, never a
 * failed pull), run the sources within the budgets, and write the new state.
 */
export function enginePull<S, C extends object>(connector: Connector<S, C>, o: { limits: PullLimits; now: () => number }) {
  const slim: Slim = (c, hard) => connector.slimCursor(c as C, hard) as Record<string, unknown>;
  return async ({ query, body, signal, log }: PullRequest): Promise<PullAnswer> => {
    const started = o.now();
    const decoded = decodeChannelState(body.channelState, started, connector.legacyCodes);
    if (decoded.problem && decoded.problem !== 'empty') {
      log?.warn({ problem: decoded.problem, orgId: query.orgId }, 'channelState unreadable: starting over from importSince');
    }
    let settings: S;
    try {
      settings = connector.readSettings(body, started);
    } catch (err) {
      if (!isAppError(err)) throw err;
      log?.warn({ code: err.code, orgId: query.orgId }, err.message);
      return answer(settingsErrorState(decoded.state, err, started, slim), new SyncBatch());
    }
    const deadline = started + o.limits.timeBudgetMs;
    // Desk hanging up ends the pull's time budget at once.
    const now = () => (signal.aborted ? deadline : o.now());
    const sources = connector.sources(settings);
    const session = connector.open({ query, settings, limits: o.limits, startedAt: started, now, log });
    const stored = Object.fromEntries(Object.entries(decoded.state?.r ?? {}).map(([key, r]) => [key, cursorPart(r)]));
    // Upkeep is a speed-up beside the sync (GitHub: webhooks): its failure costs its records, never the pull.
    const upkeep = session.upkeep?.(stored, deadline).catch((err: unknown) => {
      log?.error({ code: 'INTERNAL', service: connector.service, err }, 'connector upkeep failed: its records are rebuilt by a later pull');
      return {} as Record<string, Record<string, unknown>>;
    });
    const { batch, state } = await runPull({
      session,
      sources,
      cursors: readCursors(connector, decoded.state, sources, Math.floor(started / 1000), log),
      previous: decoded.state,
      limits: { tickets: o.limits.maxTickets, threads: o.limits.maxThreads, bytes: o.limits.maxBytes - ENVELOPE_BYTES, deadline },
      now,
      log,
    });
    for (const [key, record] of Object.entries((await upkeep) ?? {})) state.r[key] = { ...(state.r[key] ?? { s: { n: 0 } }), ...record };
    return answer(encodeChannelState(state, slim), batch);
  };
}

/** Each source's cursor, read back by its connector; one it cannot trust starts over (and says so). */
function readCursors<S, C extends object>(
  connector: Connector<S, C>,
  previous: ChannelState | null,
  sources: readonly string[],
  nowS: number,
  log: RequestLog | undefined,
): Map<string, C> {
  const cursors = new Map<string, C>();
  for (const source of sources) {
    const stored = previous?.r[source];
    if (!stored) continue;
    const cursor = connector.readCursor(cursorPart(stored), nowS);
    if (cursor) cursors.set(source, cursor);
    else log?.warn({ source, service: connector.service }, 'cursor unreadable: this source starts over from importSince');
  }
  return cursors;
}

/**
 * Desk cannot show a failed pull; the widget shows this state instead. The cursors are
 * kept for when the settings are fixed, if they still fit; else the next good pull
 * starts over from importSince (the recovery policy).
 */
function settingsErrorState(previous: ChannelState | null, err: AppError, startedMs: number, slim: Slim): string {
  const at = Math.floor(startedMs / 1000);
  const state: ChannelState = { v: 1, at, r: previous?.r ?? {}, err: { c: err.code, t: at } };
  try {
    return encodeChannelState(state, slim);
  } catch {
    return encodeChannelState({ ...state, r: {} }, slim);
  }
}

function answer(channelState: string, batch: SyncBatch): PullAnswer {
  const sync: SyncObject = { channelState, data: { tickets: batch.tickets, threads: batch.threads } };
  return { sync, json: batch.toJson(channelState) };
}
