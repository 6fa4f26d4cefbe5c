import type { ServerConfig } from './config.js';
import type { Channel } from './http/channel.js';
import { gitHubChannel } from './connectors/github/github-channel.js';
import { directHeaders } from './connectors/github/api.js';
import { InvokeClient } from './desk/invoke-client.js';
import { DirectTransport } from './transport/direct-transport.js';
import { InvokeTransport } from './transport/invoke-transport.js';
import { createClaimStore } from './claims/index.js';
import { hookKeys } from './webhooks/seal.js';
import type { DeskCall } from './desk/normalise.js';
import type { Transport } from './transport/transport.js';
import { Escalation } from './escalation/index.js';

/** Builds the channel the server serves from its configuration. */
export function createChannel(config: ServerConfig, options: { now?: () => number } = {}): Channel {
  const claims = createClaimStore(config.claimStore);
  const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
  return gitHubChannel({
    config,
    claims,
    escalation: new Escalation({
      invoke,
      deskApiUrl: config.deskApiUrl,
      deskConnection: config.deskConnection ?? 'zohodesk',
      claims,
      ...(options.now ? { now: options.now } : {}),
    }),
    webhooks: config.publicUrl ? { publicUrl: config.publicUrl, keys: hookKeys(config.extensionSecret) } : undefined,
    ...(options.now ? { now: options.now } : {}),
    transportFor: gitHubTransports(config),
  });
}

/** The way GitHub calls leave for an installation: direct with a token, or Desk's Invoke with its securityContext. */
export function gitHubTransports(config: ServerConfig): (query: DeskCall) => Transport {
  const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
  const direct = config.transport === 'direct' ? new DirectTransport(config.githubApiUrl, directHeaders(config.githubToken ?? '')) : undefined;
  return (query) =>
    direct ??
    new InvokeTransport(
      invoke,
      config.githubApiUrl,
      {
        orgId: query.orgId,
        securityContext: query.securityContext,
        connectionLinkName: config.githubConnection,
      },
      config.invokeQuery,
    );
}
