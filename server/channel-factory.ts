import type { ServerConfig } from './config.js';
import { InvokeClient } from './desk/invoke-client.js';
import { createClaimStore } from './claims/index.js';
import { Escalation } from './escalation/index.js';
import { connectorNamed, type ConnectorModule, type ConnectorParts } from './connectors/registry.js';
import { upstreamTransports } from './transport/upstream.js';

/**
 * Builds the connector's parts the server serves from its configuration: the channel,
 * and with PUBLIC_URL its deliveries. `module` overrides CONNECTOR (a test's own connector).
 */
export function createConnector(config: ServerConfig, options: { now?: () => number; module?: ConnectorModule } = {}): ConnectorParts {
  const module = options.module ?? connectorNamed(config.connector);
  if (!module) throw new Error(`no connector named ${config.connector}`);
  const claims = createClaimStore(config.claimStore);
  const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
  return module.create(config, {
    claims,
    escalation: new Escalation({
      invoke,
      deskApiUrl: config.deskApiUrl,
      deskConnection: config.deskConnection ?? 'zohodesk',
      claims,
      ...(options.now ? { now: options.now } : {}),
    }),
    now: options.now,
    transportFor: upstreamTransports(config, module.directHeaders),
  });
}
