import type { ServerConfig } from '../config.js';
import type { ErrorCode } from '../errors.js';
import type { ClaimStore } from '../claims/index.js';
import type { DeliveryConnector } from '../deliveries/connector.js';
import type { DeskCall } from '../desk/normalise.js';
import type { Escalation } from '../escalation/index.js';
import type { UninstallHook } from '../http/callbacks.js';
import type { Channel } from '../sync/channel.js';
import type { Transport } from '../transport/transport.js';
import type { ConnectorEnvironment } from './environments.js';

/**
 * What a connector supplies the server (docs/adding-a-connector.md): its settings in the
 * environment, the headers of a direct call, and its parts (the channel Desk pulls and
 * pushes through, and with PUBLIC_URL its deliveries and what an uninstall removes). The
 * server's start-up, config and Desk's contract know connectors only through this.
 */
export interface ConnectorModule extends ConnectorEnvironment {
  /** The upstream's name for people (log lines, hints). */
  readonly service: string;
  /** The catalogue's hints in the service's words, where they differ (the README's error table shows them). */
  readonly hints?: Partial<Record<ErrorCode, string>>;
  /** A direct call's headers (TRANSPORT=direct: the server holds a token). */
  directHeaders(token: string): Record<string, string>;
  /**
   * Its parts for this server. What the engine assumes of a pull connector is written on
   * sync/connector.ts (cursors are small JSON objects the engine never reads; a cool-down
   * is held to 24 h + 60 s, the longest channelState takes).
   */
  create(config: ServerConfig, deps: ConnectorDeps): ConnectorParts;
}

export interface ConnectorDeps {
  /** The way upstream calls leave for an installation: direct with a token, or Desk's Invoke with its securityContext. */
  transportFor: (query: DeskCall) => Transport;
  /** Where posts (replies, notes) are claimed before they are made, shared by the replicas. */
  claims: ClaimStore | undefined;
  /** The escalation loop on Desk's side (tickets linked to upstream items), for connectors that close the loop. */
  escalation?: Escalation | undefined;
  now?: (() => number) | undefined;
}

export interface ConnectorParts {
  channel: Channel;
  /** With PUBLIC_URL set: the upstream's signed deliveries (server/deliveries). */
  deliveries?: DeliveryConnector | undefined;
  /** A verified onUninstall: what of ours the connector removes upstream. */
  onUninstall?: UninstallHook | undefined;
}
