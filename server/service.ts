/**
 * The production server as a service: settings checked before anything starts (every
 * problem listed, exit 2), then serving until SIGTERM or SIGINT, then a graceful stop
 * (readiness 503, in-flight requests finish within SHUTDOWN_GRACE_MS, exit 0). A second
 * signal stops at once.
 */
import { ConfigError, readConfig } from './config.js';
import { startServer } from './server.js';
import { createConnector } from './channel-factory.js';

export async function runService(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const server = await startServer(config, createConnector(config));
  console.log(`channel server listening on ${server.url} (transport ${config.transport}, pid ${process.pid})`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`${signal} again: stopping now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: draining (readiness 503, up to ${config.shutdownGraceMs} ms for requests in flight)`);
    const onStopAccepting = () => console.log('port closed: no new connections; requests in flight finish');
    server.shutdown({ graceMs: config.shutdownGraceMs, delayMs: config.shutdownDelayMs, onStopAccepting }).then(
      ({ drained }) => {
        console.log(drained ? 'stopped: every request in flight finished' : 'stopped: the grace period ended with requests in flight');
        process.exit(drained ? 0 : 1);
      },
      (err: unknown) => {
        console.error(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
