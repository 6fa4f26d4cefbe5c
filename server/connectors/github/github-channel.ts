import type { ServerConfig } from '../../config.js';
import type { Channel, PullAnswer, RedirectTarget } from '../../http/channel.js';
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
import { readSettings, type GitHubSettings } from './settings.js';

export interface GitHubChannelOptions {
  config: Pick<ServerConfig, 'extensionSecret' | 'githubWebUrl' | 'pull'>;
  /** The way GitHub calls leave for this installation (direct, or Desk's Invoke with its securityContext). */
  transportFor: (query: DeskCall) => Transport;
  now?: () => number;
}

/** The GitHub Issues channel: Desk's pull, push and redirect, answered from GitHub. */
export function gitHubChannel(o: GitHubChannelOptions): Channel {
  const now = o.now ?? Date.now;
  return {
    async pull({ query, body, signal, log }): Promise<PullAnswer> {
      const started = now();
      const decoded = decodeChannelState(body.channelState);
      if (decoded.problem && decoded.problem !== 'empty') {
        log?.warn({ problem: decoded.problem, orgId: query.orgId }, 'channelState unreadable: starting over from importSince');
      }
      let settings: GitHubSettings;
      try {
        settings = readSettings(body, started);
      } catch (err) {
        if (!isAppError(err)) throw err;
        // Desk cannot show a failed pull; the widget shows this state instead.
        const state = { v: 1 as const, at: Math.floor(started / 1000), r: decoded.state?.r ?? {}, err: { c: err.code, t: Math.floor(started / 1000) } };
        const channelState = encodeChannelState(state);
        return answer(channelState, new SyncBatch());
      }
      const api = new GitHubApi(o.transportFor(query), now);
      const threadsPerPull = Math.max(2, Math.floor(o.config.pull.maxThreads / settings.repositories.length));
      const connector = gitHubConnector(api, settings, query, o.config.extensionSecret, now, started, threadsPerPull);
      const deadline = started + o.config.pull.timeBudgetMs;
      // Desk hanging up ends the pull's time budget at once.
      const clock = () => (signal.aborted ? deadline : now());
      const { batch, state } = await runPull(
        connector,
        decoded.state,
        { tickets: o.config.pull.maxTickets, threads: o.config.pull.maxThreads, bytes: o.config.pull.maxBytes - 8192, deadline },
        clock,
      );
      return answer(encodeChannelState(state), batch);
    },

    async push({ query, body }: { query: DeskCall; body: PushReply }): Promise<SyncThread> {
      const settings = readSettings(body.configParams, now());
      const api = new GitHubApi(o.transportFor(query), now);
      return postReply(body.resource, { api, secret: o.config.extensionSecret, orgId: query.orgId, repositories: settings.repositories, now });
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
): Connector {
  return {
    sources: settings.repositories,
    sync: (repo, cursor, budget, batch) =>
      syncRepository(repo, cursor, budget, batch, {
        api,
        settings,
        now,
        startedAt,
        threadsPerPull,
        isOwnReply: (ticket, body) => isOwnReply(secret, { orgId: query.orgId, ticket: markerTicketOf(ticket) }, body),
      }),
    rateLimit: () => api.rate,
  };
}


/** The marker's name of a ticket (ext-ids.ts, markerTicket), from its extId. */
function markerTicketOf(ticketExtId: string): string {
  const id = parseExtId(ticketExtId);
  return id && id.kind === 'ticket' ? markerTicket(id.repo, id.issue) : ticketExtId;
}
