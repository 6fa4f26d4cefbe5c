import type { ServerConfig } from '../config.js';
import type { DeskCall } from '../desk/normalise.js';
import { InvokeClient } from '../desk/invoke-client.js';
import { DirectTransport } from './direct-transport.js';
import { InvokeTransport } from './invoke-transport.js';
import type { Transport } from './transport.js';

/** The way upstream calls leave for an installation: direct with a token, or Desk's Invoke with its securityContext. */
export function upstreamTransports(config: ServerConfig, directHeaders: (token: string) => Record<string, string>): (query: DeskCall) => Transport {
  const invoke = new InvokeClient({ deskApiUrl: config.deskApiUrl, secret: config.extensionSecret });
  const direct = config.transport === 'direct' ? new DirectTransport(config.upstream.apiUrl, directHeaders(config.upstream.token ?? '')) : undefined;
  return (query) =>
    direct ??
    new InvokeTransport(
      invoke,
      config.upstream.apiUrl,
      { orgId: query.orgId, securityContext: query.securityContext, connectionLinkName: config.upstream.connection },
      config.invokeQuery,
    );
}
