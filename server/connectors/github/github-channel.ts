import type { ServerConfig } from '../../config.js';
import type { Channel, PullAnswer, RedirectTarget, RequestLog } from '../../http/channel.js';
import { InProcessSingleFlight, type SingleFlight } from '../../coordination/single-flight.js';
import type { SyncObject, SyncThread } from '../../desk/wire-types.js';
import type { DeskCall, PushReply } from '../../desk/normalise.js';
import { SyncBatch } from '../../sync/batch.js';
import { decodeChannelState, encodeChannelState } from '../../desk/channel-state.js';
import { isAppError } from '../../errors.js';
import { runPull, type Connector } from '../../sync/pull.js';
import type { Transport } from '../../transport/transport.js';
import { GitHubApi } from './api.js';
import { isOwnReply } from './marker.js';
import { markerTicket, parseExtId } from './ext-ids.js';
import { redirectUrl } from './redirect.js';
import { postReply } from './reply.js';
import { syncRepository } from './repo-sync.js';
import type { ClaimStore } from '../../claims/index.js';
import { readSettings, type GitHubSettings } from './settings.js';
import { syncHooksBy } from './hooks.js';
import type { HookKeys } from '../../webhooks/seal.js';

export interface GitHubChannelOptions {
  config: Pick<ServerConfig, 'extensionSecret' | 'githubWebUrl' | 'pull'>;
  /** The way GitHub calls leave for this installation (direct, or Desk's Invoke with its securityContext). */
  transportFor: (query: DeskCall) => Transport;
  now?: () => number;
  /** Where a reply is claimed before it is posted, so replicas racing on one reply post it once. */
  claims?: ClaimStore | undefined;
  /** Where identical pushes meet (default: this process). */
  flights?: SingleFlight;
  /** With PUBLIC_URL set: each pull keeps one webhook of ours per repository (hooks.ts). */
  webhooks?: { publicUrl: string; keys: HookKeys } | undefined;
}

/** The GitHub Issues channel: Desk's pull, push and redirect, answered from GitHub. */
export function gitHubChannel(o: GitHubChannelOptions): Channel {
  const now = o.now ?? Date.now;
  const flights = o.flights ?? new InProcessSingleFlight();
  return {
    async pull({ query, body, signal, log }): Promise<PullAnswer> {
      const started = now();
      const decoded = decodeChannelState(body.channelState, started);
      if (decoded.problem && decoded.problem !== 'empty') {
        log?.warn({ problem: decoded.problem, orgId: query.orgId }, 'channelState unreadable: starting over from importSince');
      }
      let settings: GitHubSettings;
      try {
        settings = readSettings(body, started);
      } catch (err) {
        if (!isAppError(err)) throw err;
        // Desk cannot show a failed pull; the widget shows this state instead.
        log?.warn({ code: err.code, orgId: query.orgId }, err.message);
        const at = Math.floor(started / 1000);
        const state = { v: 1 as const, at, r: decoded.state?.r ?? {}, err: { c: err.code, t: at } };
        // The cursors are kept for when the settings are fixed, if they still fit; else
        // the next good pull starts over from importSince (the recovery policy).
        let channelState: string;
        try {
          channelState = encodeChannelState(state);
        } catch {
          channelState = encodeChannelState({ ...state, r: {} });
        }
        return answer(channelState, new SyncBatch());
      }
      const api = new GitHubApi(o.transportFor(query), now);
      const threadsPerPull = Math.max(2, Math.floor(o.config.pull.maxThreads / settings.repositories.length));
      const connector = gitHubConnector(api, settings, query, o.config.extensionSecret, now, started, threadsPerPull, log);
      const deadline = started + o.config.pull.timeBudgetMs;
      // Desk hanging up ends the pull's time budget at once.
      const clock = () => (signal.aborted ? deadline : now());
      const hooks = o.webhooks
        ? syncHooksBy(deadline, now, { api: new GitHubApi(o.transportFor(query), now), ...o.webhooks, orgId: query.orgId, securityContext: query.securityContext, nowS: Math.floor(started / 1000), log }, settings, decoded.state)
        : undefined;
      const [{ batch, state }, hookStates] = await Promise.all([
        runPull(
          connector,
          decoded.state,
          { tickets: o.config.pull.maxTickets, threads: o.config.pull.maxThreads, bytes: o.config.pull.maxBytes - 8192, deadline },
          clock,
        ),
        hooks,
      ]);
      for (const [repo, w] of Object.entries(hookStates?.hooks ?? {})) if (state.r[repo]) state.r[repo].w = w;
      for (const [repo, w] of Object.entries(hookStates?.unremoved ?? {})) state.r[repo] ??= { s: { n: 0 }, w };
      return answer(encodeChannelState(state), batch);
    },

    async push({ query, body, log }: { query: DeskCall; body: PushReply; log?: RequestLog }): Promise<SyncThread> {
      const settings = readSettings(body.configParams, now());
      const api = new GitHubApi(o.transportFor(query), now);
      return postReply(body.resource, { api, secret: o.config.extensionSecret, orgId: query.orgId, repositories: settings.repositories, now, claims: o.claims, flights, log });
    },

    redirect(target: RedirectTarget): string | undefined {
      return redirectUrl(o.config.githubWebUrl, target);
    },
  };
}

function answer(channelState: string, batch: SyncBatch): PullAnswer {
  const sync: SyncObject = { channelState, data: { tickets: batch.tickets, threads: batch.threads } };
  return { sync, json: batch.toJson(channelState) };
}

function gitHubConnector(
  api: GitHubApi,
  settings: GitHubSettings,
  query: DeskCall,
  secret: string,
  now: () => number,
  startedAt: number,
  threadsPerPull: number,
  log: RequestLog | undefined,
): Connector {
  return {
    sources: settings.repositories,
    sync: async (repo, cursor, budget, batch) => {
      const outcome = await syncRepository(repo, cursor, budget, batch, {
        api,
        settings,
        now,
        startedAt,
        threadsPerPull,
        isOwnReply: (ticket, body) => isOwnReply(secret, { orgId: query.orgId, ticket: markerTicketOf(ticket) }, body),
      }).catch((err: unknown) => {
        log?.error({ code: 'INTERNAL', repo, err }, 'repository sync failed');
        throw err;
      });
      // Recorded in channelState for the widget; logged once here with its cause.
      const e = outcome.error;
      if (e?.code === 'INTERNAL') log?.error({ code: e.code, repo, err: e.cause ?? e }, e.message);
      else if (e) log?.warn({ code: e.code, repo }, e.message);
      return outcome;
    },
    rateLimit: () => api.rate,
  };
}


/** The marker's name of a ticket (ext-ids.ts, markerTicket), from its extId. */
function markerTicketOf(ticketExtId: string): string {
  const id = parseExtId(ticketExtId);
  return id && id.kind === 'ticket' ? markerTicket(id.repo, id.issue) : ticketExtId;
}
