import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { channelUrls, startDeskSimulator, type DeskSimulator, type DeskSimulatorOptions, type PullOutcome } from '../../sandbox/desk-simulator/index.js';
import type { RotationPolicy } from '../../sandbox/desk-simulator/rotation.js';
import { freePort } from '../../sandbox/free-port.js';
import { createConnector } from '../../server/channel-factory.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import type { ServerConfig } from '../../server/config.js';
import type { ImportReport } from '../../server/deliveries/coalescer.js';
import type { DoorLimits } from '../../server/deliveries/door.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { Channel } from '../../server/sync/channel.js';
import { TestClock } from './clock.js';
import { LogCapture } from './log-capture.js';
import { SENTINEL, testConfig } from './test-config.js';

export const DESK_TOKEN = 'SENTINEL_desk_oauth_token_3c1f';

export interface ChannelLoop {
  gh: FakeGitHub;
  desk: DeskSimulator;
  server: RunningServer;
  /** The channel the server serves (its background work, for tests that wait on it). */
  channel: Channel;
  clock: TestClock;
  log: LogCapture;
  config: ServerConfig;
  outcomes: PullOutcome[];
  /** Imports of deliveries (with webhooks on). */
  imports: ImportReport[];
  /** One pull, the clock moved past the settle horizon first. */
  pull(): Promise<PullOutcome>;
  /** One pull, the clock moved past the settle horizon and past every cool-down channelState records. */
  pullAfterCoolDown(): Promise<PullOutcome>;
  /** Pulls until a pull brings nothing; returns the pulls made. */
  pullUntilQuiet(max?: number): Promise<PullOutcome[]>;
  /** Waits until every delivery sent has been answered, every import it queued has ended and the channel's background work is done. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface ChannelLoopOptions {
  transport: 'direct' | 'invoke';
  configParams: Record<string, string>;
  pull?: Partial<ServerConfig['pull']>;
  startMs?: number;
  /** Seed of the simulator's draw of request shapes (a property passes its own, so a failure replays). */
  shapeSeed?: number;
  rotate?: RotationPolicy;
  /** What Desk's Invoke envelope carries of GitHub's answer (default: status and headers). */
  invokeEnvelope?: DeskSimulatorOptions['invokeEnvelope'];
  /** With webhooks on (PUBLIC_URL = the server's URL): the delivery path's bounds, narrowed for a test. */
  webhooks?: {
    windowMs?: number;
    door?: Partial<DoorLimits>;
    queue?: { maxItems?: number; maxBatchesPerLane?: number; maxBatches?: number };
  };
}

/**
 * The whole loop over real HTTP on 127.0.0.1: the fake GitHub, the real channel
 * server, and the Desk simulator pulling from it, on one hand-moved clock. With
 * `transport: 'invoke'` every GitHub call (and every import) goes through the
 * simulator's Invoke endpoint, which checks the HASH and adds the connection's token.
 * The server's port is chosen first: its URL is the simulator's channel and, with
 * webhooks on, its PUBLIC_URL.
 */
export async function startChannelLoop(o: ChannelLoopOptions): Promise<ChannelLoop> {
  // The port is chosen before the simulators start (it is their channel URL and PUBLIC_URL),
  // so one of their own listeners, or another suite's, can take it first: start again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLoopOnce(o);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw err;
    }
  }
}

async function startLoopOnce(o: ChannelLoopOptions): Promise<ChannelLoop> {
  const clock = new TestClock(o.startMs ?? Date.parse('2026-06-01T00:00:00Z'));
  const gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
  const log = new LogCapture();
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const desk = await startDeskSimulator({
    secret: SENTINEL.secret,
    securityContext: SENTINEL.securityContext,
    channel: channelUrls(serverUrl),
    configParams: o.configParams,
    connections: { github: { token: SENTINEL.token }, zohodesk: { token: DESK_TOKEN } },
    ...(o.shapeSeed === undefined ? {} : { shapeSeed: o.shapeSeed }),
    ...(o.rotate ? { rotateSecurityContext: o.rotate } : {}),
    ...(o.invokeEnvelope ? { invokeEnvelope: o.invokeEnvelope } : {}),
    now: clock.now,
  });
  const config = testConfig({
    port,
    transport: o.transport,
    upstream: { apiUrl: gh.url, token: o.transport === 'direct' ? SENTINEL.token : undefined },
    deskApiUrl: desk.url,
    deskConnection: 'zohodesk',
    ...(o.webhooks ? { publicUrl: serverUrl } : {}),
    pull: { ...testConfig().pull, ...o.pull },
  });
  const imports: ImportReport[] = [];
  const parts = createConnector(config, { now: clock.now });
  const w = o.webhooks;
  const server = await startServer(config, {
    ...parts,
    logDestination: log,
    checkResponses: true,
    webhooks: {
      onImport: (r) => imports.push(r),
      now: clock.now,
      ...(w?.windowMs !== undefined ? { windowMs: w.windowMs } : {}),
      ...(w?.door ? { limits: w.door } : {}),
      ...(w?.queue ? { queue: w.queue } : {}),
    },
  }).catch(async (err: unknown) => {
    await desk.close();
    await gh.close();
    throw err;
  });
  const outcomes: PullOutcome[] = [];
  return {
    gh,
    desk,
    server,
    channel: parts.channel,
    clock,
    log,
    config,
    outcomes,
    imports,
    pull: () => {
      clock.advance(10);
      return desk.pullOnce();
    },
    pullAfterCoolDown: () => {
      const sources = Object.values(decodeChannelState(desk.channelState).state?.r ?? {});
      const notBefore = Math.max(0, ...sources.map((r) => r.s.na ?? 0));
      clock.ms = Math.max(clock.ms + 10_000, (notBefore + 1) * 1000);
      return desk.pullOnce();
    },
    async pullUntilQuiet(max = 200) {
      const made: PullOutcome[] = [];
      for (let i = 0; i < max; i++) {
        clock.advance(10);
        const out = await desk.pullOnce();
        outcomes.push(out);
        made.push(out);
        if (!out.ok) throw new Error(`pull (shape ${out.shape}) refused by the Desk simulator: ${JSON.stringify(out.rejected)} status ${out.status}`);
        if (out.tickets + out.threads === 0) return made;
      }
      throw new Error(`still not quiet after ${max} pulls`);
    },
    async settle() {
      await gh.hooks.settled();
      await server.webhooks?.coalescer.idle();
      await parts.channel.idle?.();
    },
    async close() {
      await desk.close();
      await server.close();
      await gh.close();
    },
  };
}
