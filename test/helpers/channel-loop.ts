import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { channelUrls, startDeskSimulator, type DeskSimulator, type PullOutcome } from '../../sandbox/desk-simulator/index.js';
import { createConnector } from '../../server/channel-factory.js';
import { lateBoundChannel } from '../../sandbox/local-config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { ServerConfig } from '../../server/config.js';
import { LogCapture } from './log-capture.js';
import { SENTINEL, testConfig } from './test-config.js';
import { TestClock } from './clock.js';

export interface ChannelLoop {
  gh: FakeGitHub;
  desk: DeskSimulator;
  server: RunningServer;
  clock: TestClock;
  log: LogCapture;
  config: ServerConfig;
  outcomes: PullOutcome[];
  /** Pulls (moving the clock past the settle horizon first) until a pull brings nothing; returns the pulls made. */
  pullUntilQuiet(max?: number): Promise<PullOutcome[]>;
  close(): Promise<void>;
}

/**
 * The whole loop over real HTTP on 127.0.0.1: the fake GitHub, the real channel
 * server, and the Desk simulator pulling from it, on one hand-moved clock. With
 * `transport: 'invoke'` every GitHub call goes through the simulator's Invoke endpoint,
 * which checks the HASH and adds the connection's token.
 */
export async function startChannelLoop(o: {
  transport: 'direct' | 'invoke';
  configParams: Record<string, string>;
  pull?: Partial<ServerConfig['pull']>;
  startMs?: number;
  /** Seed of the simulator's draw of request shapes (a property passes its own, so a failure replays). */
  shapeSeed?: number;
}): Promise<ChannelLoop> {
  const clock = new TestClock(o.startMs ?? Date.parse('2026-06-01T00:00:00Z'));
  const gh = await startFakeGitHub({ token: SENTINEL.token, now: clock.now });
  const log = new LogCapture();
  const config = testConfig({
    transport: o.transport,
    upstream: { apiUrl: gh.url, token: o.transport === 'direct' ? SENTINEL.token : undefined },
    pull: { ...testConfig().pull, ...o.pull },
  });
  const late = lateBoundChannel();
  const server = await startServer(config, { channel: late.channel, logDestination: log, checkResponses: true });
  const desk = await startDeskSimulator({
    secret: config.extensionSecret,
    securityContext: SENTINEL.securityContext,
    channel: channelUrls(server.url),
    configParams: o.configParams,
    connections: { github: { token: SENTINEL.token } },
    ...(o.shapeSeed === undefined ? {} : { shapeSeed: o.shapeSeed }),
  });
  late.bind(createConnector({ ...config, deskApiUrl: desk.url }, { now: clock.now }).channel);
  const outcomes: PullOutcome[] = [];
  return {
    gh,
    desk,
    server,
    clock,
    log,
    config,
    outcomes,
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
    async close() {
      await desk.close();
      await server.close();
      await gh.close();
    },
  };
}
