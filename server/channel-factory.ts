import type { ServerConfig } from './config.js';
import type { Channel } from './http/channel.js';
import { gitHubChannel } from './connectors/github/github-channel.js';
import { directHeaders } from './connectors/github/api.js';
import { InvokeClient } from './desk/invoke-client.js';
import { DirectTransport } from './transport/direct-transport.js';
import { InvokeTransport } from './transport/invoke-transport.js';
import { createClaimStore } from './claims/index.js';

/** Builds the channel the server serves from its configuration. */
export function createChannel(config: ServerConfig, options: { now?: () => number } = {}): Channel {
  const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
  const direct = config.transport === 'direct' ? new DirectTransport(config.githubApiUrl, directHeaders(config.githubToken ?? '')) : undefined;
  return gitHubChannel({
    config,
    claims: createClaimStore(config.claimStore),
    ...(options.now ? { now: options.now } : {}),
    transportFor: (query) =>
      direct ??
      new InvokeTransport(invoke, config.githubApiUrl, {
        orgId: query.orgId,
        securityContext: query.securityContext,
        connectionLinkName: config.githubConnection,
      }, config.invokeQuery),
  });
}
