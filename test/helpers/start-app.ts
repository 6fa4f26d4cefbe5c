import { startServer, type RunningServer } from '../../server/server.js';
import type { ServerConfig } from '../../server/config.js';
import type { Channel } from '../../server/sync/channel.js';
import type { ConnectorParts } from '../../server/connectors/module.js';
import type { LocalConfigOverrides } from '../../sandbox/local-config.js';
import { LogCapture } from './log-capture.js';
import { testConfig } from './test-config.js';

/** Starts the real server on 127.0.0.1:0 with its log captured and its answers schema-checked. */
export async function startApp(
  connector: Channel | ConnectorParts,
  overrides: LocalConfigOverrides = {},
): Promise<RunningServer & { log: LogCapture; config: ServerConfig }> {
  const log = new LogCapture();
  const config = testConfig(overrides);
  const parts = 'channel' in connector ? connector : { channel: connector };
  const server = await startServer(config, { ...parts, logDestination: log, checkResponses: true });
  return { ...server, log, config };
}
