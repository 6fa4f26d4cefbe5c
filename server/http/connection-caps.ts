import type { Server, Socket } from 'node:net';

/**
 * Connections per peer address and in all, capped where they are accepted: past a cap a
 * connection is closed before a byte of it is read, so a flood of slow clients holds no
 * request state or body buffer (the webhook door caps bodies in flight on top: door.ts).
 * Behind a proxy every connection has the proxy's address: raise the per-client cap there.
 */
export interface ConnectionCaps {
  total: number;
  perClient: number;
}

export const DEFAULT_CONNECTION_CAPS: ConnectionCaps = { total: 2048, perClient: 256 };

export function capConnections(server: Server, caps: ConnectionCaps, onRefused: (why: 'total' | 'per-client') => void): void {
  const perClient = new Map<string, number>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? '';
    const mine = perClient.get(peer) ?? 0;
    if (open >= caps.total || mine >= caps.perClient) {
      onRefused(open >= caps.total ? 'total' : 'per-client');
      socket.destroy();
      return;
    }
    open++;
    perClient.set(peer, mine + 1);
    socket.once('close', () => {
      open--;
      const left = (perClient.get(peer) ?? 1) - 1;
      if (left <= 0) perClient.delete(peer);
      else perClient.set(peer, left);
    });
  });
}
