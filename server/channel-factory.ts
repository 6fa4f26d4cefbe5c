import type { ServerConfig } from './config.js';
import { unbuiltChannel, type Channel } from './http/channel.js';

/** Builds the channel the server serves from its configuration. */
export function createChannel(_config: ServerConfig): Channel {
  return unbuiltChannel;
}
