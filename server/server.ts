import { VersionLedger } from './sync/version-ledger.js';
import { capConnections, DEFAULT_CONNECTION_CAPS } from './http/connection-caps.js';
import type { ServerConfig } from './config.js';
import { secretsOf } from './config.js';
import { createLogger } from './http/logger.js';
import { buildApp, type PullWatch } from './http/app.js';
import { InvokeClient } from './desk/invoke-client.js';
import type { ConnectorParts } from './connectors/module.js';
import { deliveryService, type DeliveryService, type DeliveryServiceOptions } from './deliveries/index.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  /**
   * Graceful stop: /readyz answers 503 at once; after `delayMs` (time for the load
   * balancer to notice) no new connection is accepted and requests in flight finish;
   * `graceMs` after the call the connections still open are cut. Answers whether
   * everything finished in time.
   */
  shutdown(o: { graceMs: number; delayMs: number; onStopAccepting?: () => void }): Promise<{ drained: boolean }>;
  /** Resolves when exactly `n` connections are open (a signal, not a poll). */
  whenConnections(n: number): Promise<void>;
  /** The delivery path, when PUBLIC_URL is set and the connector takes deliveries. */
  webhooks?: DeliveryService | undefined;
}

/** Starts the channel server: one process, stateless, any number of replicas. */
export async function startServer(
  config: ServerConfig,
  options: ConnectorParts & { logDestination?: { write(line: string): unknown }; checkResponses?: boolean; webhooks?: Partial<DeliveryServiceOptions> },
): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config), destination: options.logDestination });
  const deliveries = config.publicUrl ? options.deliveries : undefined;
  // What this process sent each installation's Desk, by pull and by import: a delivery older than it is not imported.
  const ledger = deliveries ? new VersionLedger() : undefined;
  const { app, metrics, startDraining } = buildApp({
    config,
    logger,
    channel: options.channel,
    checkResponses: options.checkResponses,
    onUninstall: options.onUninstall,
    onPull: ledger ? (orgId) => pullWatch(orgId) : undefined,
  });
  // A pull's answer carries the newest copy imports sent while it was read, and is noted as
  // it leaves; once written, what imports sent newer meanwhile goes again (coalescer.ts, pullBegins).
  const pullWatch = (orgId: string): PullWatch => {
    const pull = webhooks?.coalescer.pullBegins(orgId);
    return {
      answered: (sync) => {
        const newer = pull?.answer(sync);
        ledger!.noteSync(orgId, newer ?? sync);
        return newer;
      },
      written: (sync) => {
        const again = pull?.written(sync);
        if (again && again.resent + again.refused > 0) {
          metrics.countOvertaken(again.resent, again.refused);
          logger.info({ orgId, ...again }, `a pull answer was overtaken by newer imports: ${again.resent} items sent again, ${again.refused} left to the pull`);
        }
      },
    };
  };
  // The upstream's deliveries (PUBLIC_URL set): verified, then imported into Desk (server/deliveries).
  let webhooks: DeliveryService | undefined;
  if (deliveries) {
    webhooks = deliveryService({
      connector: deliveries,
      deskApiUrl: config.deskApiUrl,
      deskConnection: config.deskConnection ?? 'zohodesk',
      invoke: new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret }),
      ledger,
      ...options.webhooks,
    });
    webhooks.register(app);
  }
  const connections = capConnections(app.server, config.connectionCaps ?? DEFAULT_CONNECTION_CAPS, (why) => metrics.countRefusedConnection(why));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    webhooks,
    whenConnections: (n) => connections.whenHeld(n),
    close: async () => {
      await app.close();
    },
    shutdown: async ({ graceMs, delayMs, onStopAccepting }) => {
      startDraining();
      let drained = true;
      const timer = setTimeout(() => {
        drained = false;
        app.server.getConnections((_err, open) => logger.warn({ open, graceMs }, 'grace period over: cutting the connections still open'));
        app.server.closeAllConnections();
      }, graceMs);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      // Told the moment fastify closes the listener (after its preClose hooks): from then on only requests in flight remain.
      if (onStopAccepting) {
        const closeListener = app.server.close.bind(app.server);
        app.server.close = ((callback?: (err?: Error) => void) => {
          const server = closeListener(callback);
          onStopAccepting();
          return server;
        }) as typeof app.server.close;
      }
      await app.close();
      clearTimeout(timer);
      return { drained };
    },
  };
}
