import { VersionLedger } from './sync/version-ledger.js';
import { capConnections, DEFAULT_CONNECTION_CAPS } from './http/connection-caps.js';
import type { ServerConfig } from './config.js';
import { secretsOf } from './config.js';
import { createLogger } from './http/logger.js';
import { buildApp, type PullWatch } from './http/app.js';
import type { Channel } from './http/channel.js';
import { InvokeClient } from './desk/invoke-client.js';
import { hookKeys } from './webhooks/seal.js';
import { removeHooksOnUninstall } from './webhooks/uninstall.js';
import { gitHubTransports } from './channel-factory.js';
import type { UninstallHook } from './http/callbacks.js';
import { webhookService, type WebhookService, type WebhookServiceOptions } from './webhooks/index.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  /**
   * Graceful stop: /readyz answers 503 at once; after `delayMs` (time for the load
   * balancer to notice) no new connection is accepted and requests in flight finish;
   * `graceMs` after the call the connections still open are cut. Answers whether
   * everything finished in time.
   */
  shutdown(o: { graceMs: number; delayMs: number }): Promise<{ drained: boolean }>;
  /** The delivery path, when PUBLIC_URL is set. */
  webhooks?: WebhookService | undefined;
}

/** Starts the channel server: one process, stateless, any number of replicas. */
export async function startServer(
  config: ServerConfig,
  options: { channel: Channel; logDestination?: { write(line: string): unknown }; checkResponses?: boolean; webhooks?: Partial<WebhookServiceOptions> },
): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config), destination: options.logDestination });
  const keys = config.publicUrl ? hookKeys(config.extensionSecret) : undefined;
  const onUninstall: UninstallHook | undefined =
    keys && config.publicUrl
      ? (body, log) => removeHooksOnUninstall({ keys, publicUrl: config.publicUrl!, transportFor: gitHubTransports(config) }, body, log)
      : undefined;
  // What this process sent each installation's Desk, by pull and by import: a delivery older than it is not imported.
  const ledger = config.publicUrl ? new VersionLedger() : undefined;
  const { app, metrics, startDraining } = buildApp({
    config,
    logger,
    channel: options.channel,
    checkResponses: options.checkResponses,
    onUninstall,
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
  // Deliveries from GitHub (PUBLIC_URL set): verified, then imported into Desk (server/webhooks).
  let webhooks: WebhookService | undefined;
  if (config.publicUrl) {
    const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
    webhooks = webhookService({
      extensionSecret: config.extensionSecret,
      deskApiUrl: config.deskApiUrl,
      deskConnection: config.deskConnection ?? 'zohodesk',
      invoke,
      transportFor: gitHubTransports(config),
      ledger,
      installed: options.channel.installedHookUrls,
      escalation: options.channel.escalation,
      onStoryRead: (outcome) => metrics.countStoryRead(outcome),
      ...options.webhooks,
    });
    webhooks.register(app);
  }
  capConnections(app.server, config.connectionCaps ?? DEFAULT_CONNECTION_CAPS, (why) => metrics.countRefusedConnection(why));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    webhooks,
    close: async () => {
      await app.close();
    },
    shutdown: async ({ graceMs, delayMs }) => {
      startDraining();
      let drained = true;
      const timer = setTimeout(() => {
        drained = false;
        app.server.getConnections((_err, open) => logger.warn({ open, graceMs }, 'grace period over: cutting the connections still open'));
        app.server.closeAllConnections();
      }, graceMs);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await app.close();
      clearTimeout(timer);
      return { drained };
    },
  };
}
