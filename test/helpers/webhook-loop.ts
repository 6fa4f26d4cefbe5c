import type { DoorLimits } from '../../server/deliveries/door.js';
import type { RotationPolicy } from '../../sandbox/desk-simulator/rotation.js';
import type { ServerConfig } from '../../server/config.js';
import { startChannelLoop, type ChannelLoop } from './channel-loop.js';

export { DESK_TOKEN } from './channel-loop.js';

/** The channel loop with webhooks on: every GitHub call and every import through the simulator's Invoke. */
export type WebhookLoop = ChannelLoop;

/**
 * The whole path over real HTTP: the fake GitHub (hooks API, signed deliveries), the
 * channel server with PUBLIC_URL set, and the Desk simulator (pulls, Invoke, import).
 */
export function startWebhookLoop(o: {
  configParams: Record<string, string>;
  rotate?: RotationPolicy;
  windowMs?: number;
  pull?: Partial<ServerConfig['pull']>;
  /** The webhook door's bounds, narrowed for a test. */
  door?: Partial<DoorLimits>;
  /** The import queue's bounds and items per import, narrowed for a test. */
  queue?: { maxItems?: number; maxBatchesPerLane?: number; maxBatches?: number };
}): Promise<WebhookLoop> {
  return startChannelLoop({
    transport: 'invoke',
    configParams: o.configParams,
    ...(o.rotate ? { rotate: o.rotate } : {}),
    ...(o.pull ? { pull: o.pull } : {}),
    webhooks: {
      ...(o.windowMs !== undefined ? { windowMs: o.windowMs } : {}),
      ...(o.door ? { door: o.door } : {}),
      ...(o.queue ? { queue: o.queue } : {}),
    },
  });
}

/** A hook someone else made (a CI's) on `repo`, straight through the fake's hooks API; answers its id. */
export function foreignHook(loop: WebhookLoop, repo: string, url: string): number {
  const res = loop.gh.hooks.route(
    'POST',
    repo,
    '/hooks',
    JSON.stringify({ name: 'web', events: ['push'], config: { url, secret: 'ci-secret', content_type: 'json' } }),
  );
  return (JSON.parse(res!.body) as { id: number }).id;
}
