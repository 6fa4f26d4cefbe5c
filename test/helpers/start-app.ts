import { startServer, type RunningServer } from '../../server/server.js';
import type { ServerConfig } from '../../server/config.js';
import type { Channel } from '../../server/http/channel.js';
import { LogCapture } from './log-capture.js';
import { testConfig } from './test-config.js';

/** Starts the real server on 127.0.0.1:0 with its log captured and its answers schema-checked. */
export async function startApp(channel: Channel, overrides: Partial<ServerConfig> = {}): Promise<RunningServer & { log: LogCapture; config: ServerConfig }> {
  const log = new LogCapture();
  const config = testConfig(overrides);
  const server = await startServer(config, { channel, logDestination: log, checkResponses: true });
  return { ...server, log, config };
}
