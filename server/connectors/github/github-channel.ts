import type { ServerConfig } from '../../config.js';
import type { Channel, RedirectTarget, RequestLog } from '../../sync/channel.js';
import type { SingleFlight } from '../../coordination/single-flight.js';
import type { RepoCursor } from './wire-types.js';
import type { DeskCall } from '../../desk/normalise.js';
import type { Connector, PullSession } from '../../sync/connector.js';
import { enginePull } from '../../sync/engine.js';
import type { Transport } from '../../transport/transport.js';
import type { ClaimStore } from '../../claims/index.js';
import { GitHubApi } from './api.js';
import { readCursor, slimCursor } from './cursor.js';
import { LEGACY_CODES } from './legacy-codes.js';
import { isOwnCount, isOwnReply } from './marker.js';
import { markerTicket, parseExtId } from './ext-ids.js';
import { redirectUrl } from './redirect.js';
import { replyPlan } from './reply.js';
import { enginePush } from '../../replies/engine.js';
import { syncRepository } from './repo-sync.js';
import { readSettings, type GitHubSettings } from './settings.js';
import { syncHooksBy, type StoredHooks } from './hooks.js';
import type { HookKeys } from './webhooks/seal.js';
import type { InstalledHookUrls } from './webhooks/installed-urls.js';
import type { Escalation } from '../../escalation/index.js';
import { gitHubIssueSide } from './escalation.js';
import type { LoopHooks } from './loop-hooks.js';

export interface GitHubChannelOptions {
  config: Pick<ServerConfig, 'extensionSecret' | 'upstream' | 'pull'>;
  /** The way GitHub calls leave for this installation (direct, or Desk's Invoke with its securityContext). */
  transportFor: (query: DeskCall) => Transport;
  now?: () => number;
  /** Where a reply is claimed before it is posted, so replicas racing on one reply post it once. */
  claims?: ClaimStore | undefined;
  /** Where identical pushes meet (default: this process). */
  flights?: SingleFlight;
  /** With PUBLIC_URL set: each pull keeps one webhook of ours per repository (hooks.ts). */
  webhooks?: { publicUrl: string; keys: HookKeys; installed: InstalledHookUrls; loopHooks: LoopHooks } | undefined;
  /** The escalation loop: each pull reconciles the tickets linked to issues (server/escalation). */
  escalation?: Escalation | undefined;
  /** Lines the channel adds to /metrics beside the escalation loop's (the deliveries' story reads). */
  extraMetricLines?: (() => string[]) | undefined;
}

/** The GitHub Issues channel: Desk's pull through the engine, push and redirect answered from GitHub. */
export function gitHubChannel(o: GitHubChannelOptions): Channel {
  const now = o.now ?? Date.now;
  return {
    metricLines: () => [...(o.escalation?.metricLines() ?? []), ...(o.extraMetricLines?.() ?? [])],
    idle: async () => {
      await o.escalation?.idle();
    },
    pull: enginePull(gitHubConnector(o, now), { limits: o.config.pull, now }),

    push: enginePush(
      {
        readSettings,
        plan: (resource, { query, settings }) =>
          replyPlan(resource, {
            api: new GitHubApi(o.transportFor(query), now),
            secret: o.config.extensionSecret,
            orgId: query.orgId,
            repositories: settings.repositories,
            now,
          }),
      },
      { now, claims: o.claims, flights: o.flights },
    ),

    redirect(target: RedirectTarget): string | undefined {
      return redirectUrl(o.config.upstream.webUrl, target);
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
    open: ({ query, settings, limits, startedAt, now: clock, log }) => {
      const api = new GitHubApi(o.transportFor(query), now);
      const threadsPerPull = Math.max(2, Math.floor(limits.maxThreads / settings.repositories.length));
      const ownReply = (ticket: string, body: string) =>
        isOwnReply(o.config.extensionSecret, { orgId: query.orgId, ticket: markerTicketOf(ticket) }, body) ||
        isOwnCount(o.config.extensionSecret, query.orgId, body);
      return {
        sync: (repo, cursor, budget, batch) =>
          syncRepository(repo, cursor, budget, batch, { api, settings, now: clock, startedAt, threadsPerPull, isOwnReply: ownReply }),
        rateLimit: () => api.rate,
        ...upkeepOf(o, { api: new GitHubApi(o.transportFor(query), now), query, settings, startedAt, now, log }),
      };
    },
  };
}

/**
 * What a pull does beside the sources' sync: the webhooks (when PUBLIC_URL is set) and
 * the escalation loop's reconciler, side by side until the deadline.
 */
function upkeepOf(o: GitHubChannelOptions, c: Parameters<typeof hookUpkeep>[1]): Pick<PullSession<RepoCursor>, 'upkeep'> {
  const hooks = o.webhooks ? hookUpkeep(o.webhooks, c) : undefined;
  const escalation = o.escalation;
  if (!hooks && !escalation) return {};
  return {
    upkeep: async (stored, deadline) => {
      const api = new GitHubApi(c.api.transport, c.now);
      const side = gitHubIssueSide(api, { secret: o.config.extensionSecret, orgId: c.query.orgId, timeoutMs: () => Math.max(1_000, deadline - c.now()) });
      const webhooks = o.webhooks;
      // Repositories only linked issues live in get a loop-only hook, so their closes arrive within seconds too.
      if (webhooks)
        side.watch = (places) =>
          webhooks.loopHooks.keep(
            { api, ...webhooks, orgId: c.query.orgId, securityContext: c.query.securityContext, nowS: Math.floor(c.startedAt / 1000), log: c.log },
            places,
            c.settings.repositories,
          );
      const loop = escalation?.reconcile(c.query, c.settings.escalation, side, deadline, c.log);
      const [records] = await Promise.all([hooks ? hooks(stored, deadline) : Promise.resolve({}), loop]);
      return records;
    },
  };
}

/**
 * The webhook of each repository, kept beside the sync in the same pull (hooks.ts): its
 * record `w` is stored with the repository's cursor; a repository that left the settings
 * keeps a record only while its hook could not be removed.
 */
function hookUpkeep(
  webhooks: NonNullable<GitHubChannelOptions['webhooks']>,
  c: { api: GitHubApi; query: DeskCall; settings: GitHubSettings; startedAt: number; now: () => number; log?: RequestLog | undefined },
) {
  return async (stored: Readonly<Record<string, Readonly<Record<string, unknown>>>>, deadline: number): Promise<Record<string, Record<string, unknown>>> => {
    const ctx = { api: c.api, ...webhooks, orgId: c.query.orgId, securityContext: c.query.securityContext, nowS: Math.floor(c.startedAt / 1000), log: c.log };
    const { hooks, unremoved } = await syncHooksBy(deadline, c.now, ctx, c.settings, stored as StoredHooks);
    return Object.fromEntries([...Object.entries(hooks), ...Object.entries(unremoved)].map(([repo, w]) => [repo, { w }]));
  };
}

/** The marker's name of a ticket (ext-ids.ts, markerTicket), from its extId. */
function markerTicketOf(ticketExtId: string): string {
  const id = parseExtId(ticketExtId);
  return id && id.kind === 'ticket' ? markerTicket(id.repo, id.issue) : ticketExtId;
}
