import type { ServerConfig } from '../../config.js';
import type { Channel, RedirectTarget, RequestLog } from '../../http/channel.js';
import { InProcessSingleFlight, type SingleFlight } from '../../coordination/single-flight.js';
import type { RepoCursor, SyncThread } from '../../desk/wire-types.js';
import type { DeskCall, PushReply } from '../../desk/normalise.js';
import type { Connector } from '../../sync/connector.js';
import { enginePull } from '../../sync/engine.js';
import type { Transport } from '../../transport/transport.js';
import type { ClaimStore } from '../../claims/index.js';
import { GitHubApi } from './api.js';
import { readCursor, slimCursor } from './cursor.js';
import { LEGACY_CODES } from './legacy-codes.js';
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
  /** Where a reply is claimed before it is posted, so replicas racing on one reply post it once. */
  claims?: ClaimStore | undefined;
  /** Where identical pushes meet (default: this process). */
  flights?: SingleFlight;
}

/** The GitHub Issues channel: Desk's pull through the engine, push and redirect answered from GitHub. */
export function gitHubChannel(o: GitHubChannelOptions): Channel {
  const now = o.now ?? Date.now;
  const flights = o.flights ?? new InProcessSingleFlight();
  return {
    pull: enginePull(gitHubConnector(o, now), { limits: o.config.pull, now }),

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

/** GitHub Issues as the engine's connector: each configured repository is a source. */
export function gitHubConnector(o: GitHubChannelOptions, now: () => number): Connector<GitHubSettings, RepoCursor> {
  return {
    service: 'GitHub',
    legacyCodes: LEGACY_CODES,
    readSettings,
    sources: (settings) => settings.repositories,
    readCursor,
    slimCursor,
    open: ({ query, settings, limits, startedAt, now: clock }) => {
      const api = new GitHubApi(o.transportFor(query), now);
      const threadsPerPull = Math.max(2, Math.floor(limits.maxThreads / settings.repositories.length));
      const ownReply = (ticket: string, body: string) => isOwnReply(o.config.extensionSecret, { orgId: query.orgId, ticket: markerTicketOf(ticket) }, body);
      return {
        sync: (repo, cursor, budget, batch) =>
          syncRepository(repo, cursor, budget, batch, { api, settings, now: clock, startedAt, threadsPerPull, isOwnReply: ownReply }),
        rateLimit: () => api.rate,
      };
    },
  };
}

/** The marker's name of a ticket (ext-ids.ts, markerTicket), from its extId. */
function markerTicketOf(ticketExtId: string): string {
  const id = parseExtId(ticketExtId);
  return id && id.kind === 'ticket' ? markerTicket(id.repo, id.issue) : ticketExtId;
}
