import type { DoorLimits } from '../../server/deliveries/door.js';
import { freePort } from '../../sandbox/free-port.js';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { channelUrls, startDeskSimulator, type DeskSimulator } from '../../sandbox/desk-simulator/index.js';
import type { RotationPolicy } from '../../sandbox/desk-simulator/rotation.js';
import { createConnector } from '../../server/channel-factory.js';
import type { Channel } from '../../server/sync/channel.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { ServerConfig } from '../../server/config.js';
import type { ImportReport } from '../../server/deliveries/coalescer.js';
import { LogCapture } from './log-capture.js';
import { SENTINEL, testConfig } from './test-config.js';
import { TestClock } from './clock.js';

export const DESK_TOKEN = 'SENTINEL_desk_oauth_token_3c1f';

export interface WebhookLoop {
  gh: FakeGitHub;
  desk: DeskSimulator;
  server: RunningServer;
  /** The channel the server serves (its escalation loop, for tests that wait on it). */
  channel: Channel;
  clock: TestClock;
  log: LogCapture;
  config: ServerConfig;
  imports: ImportReport[];
  /** Waits until every delivery sent has been answered and every import it queued has ended. */
  settle(): Promise<void>;
  pull(): ReturnType<DeskSimulator['pullOnce']>;
  pullUntilQuiet(max?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole path over real HTTP: the fake GitHub (hooks API, signed deliveries), the
 * channel server with PUBLIC_URL set, and the Desk simulator (pulls, Invoke, import).
 * Every GitHub call and every import goes through the simulator's Invoke endpoint.
 */
export async function startWebhookLoop(o: {
  configParams: Record<string, string>;
  rotate?: RotationPolicy;
  windowMs?: number;
  pull?: Partial<ServerConfig['pull']>;
  /** The webhook door's bounds, narrowed for a test. */
  door?: Partial<DoorLimits>;
  /** The import queue's bounds and items per import, narrowed for a test. */
  queue?: { maxItems?: number; maxBatchesPerLane?: number; maxBatches?: number };
}): Promise<WebhookLoop> {
  const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
  const gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
  const log = new LogCapture();
  // PUBLIC_URL is part of the configuration, so the port is chosen before the server starts.
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const desk = await startDeskSimulator({
    secret: SENTINEL.secret,
    securityContext: SENTINEL.securityContext,
    channel: channelUrls(serverUrl),
    configParams: o.configParams,
    connections: { github: { token: SENTINEL.token }, zohodesk: { token: DESK_TOKEN } },
    ...(o.rotate ? { rotateSecurityContext: o.rotate } : {}),
    now: clock.now,
  });
  const config = testConfig({
    port,
    transport: 'invoke',
    upstream: { apiUrl: gh.url, token: undefined },
    deskApiUrl: desk.url,
    publicUrl: serverUrl,
    deskConnection: 'zohodesk',
    pull: { ...testConfig().pull, ...o.pull },
  });
  const imports: ImportReport[] = [];
  const parts = createConnector(config, { now: clock.now });
  const channel = parts.channel;
  const server = await startServer(config, {
    ...parts,
    logDestination: log,
    checkResponses: true,
    webhooks: {
      onImport: (r) => imports.push(r),
      now: clock.now,
      ...(o.windowMs !== undefined ? { windowMs: o.windowMs } : {}),
      ...(o.door ? { limits: o.door } : {}),
      ...(o.queue ? { queue: o.queue } : {}),
    },
  });
  return {
    gh,
    desk,
    server,
    channel,
    clock,
    log,
    config,
    imports,
    async settle() {
      await gh.hooks.settled();
      await server.webhooks!.coalescer.idle();
      await channel.idle?.();
    },
    pull: () => {
      clock.advance(10);
      return desk.pullOnce();
    },
    async pullUntilQuiet(max = 50) {
      for (let i = 0; i < max; i++) {
        clock.advance(10);
        const out = await desk.pullOnce();
        if (!out.ok) throw new Error(`pull refused: ${JSON.stringify(out.rejected)} status ${out.status}`);
        if (out.tickets + out.threads === 0) return;
      }
      throw new Error('not quiet');
    },
    async close() {
      await desk.close();
      await server.close();
      await gh.close();
    },
  };
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
