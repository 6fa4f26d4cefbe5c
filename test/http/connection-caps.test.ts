import { expect } from 'chai';
import net from 'node:net';
import { startApp } from '../helpers/start-app.js';
import type { Channel } from '../../server/sync/channel.js';

const idleChannel: Channel = {
  pull: () => Promise.reject(new Error('not used')),
  push: () => Promise.reject(new Error('not used')),
  redirect: () => undefined,
};

/** Opens a connection and resolves how it ended: closed by the server at once, or still open after `ms`. */
function connect(port: number, ms = 300): Promise<{ socket: net.Socket; closedAtOnce: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve({ socket, closedAtOnce: false }), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ socket, closedAtOnce: true });
    });
  });
}

describe('Connection caps', () => {
  it('closes a connection past the per-client cap as it is accepted, counts it, and takes new ones once others close', async () => {
    const app = await startApp(idleChannel, { connectionCaps: { total: 100, perClient: 3 } });
    try {
      const port = Number(new URL(app.url).port);
      const held = await Promise.all([connect(port), connect(port), connect(port)]);
      expect(held.map((h) => h.closedAtOnce)).to.deep.equal([false, false, false]);
      const fourth = await connect(port);
      expect(fourth.closedAtOnce, 'the fourth connection from this address').to.equal(true);
      for (const h of held) h.socket.destroy();
      // The server has seen every connection close: its places are free again.
      await app.whenConnections(0);
      const again = await Promise.all([connect(port), connect(port), connect(port)]);
      expect(
        again.map((h) => h.closedAtOnce),
        'three new connections once the others closed',
      ).to.deep.equal([false, false, false]);
      for (const h of again) h.socket.destroy();
      await app.whenConnections(0);
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).to.match(/^connections_refused_total\{cap="per-client"\} 1$/m);
      expect(metrics).to.match(/^process_resident_memory_bytes \d+$/m);
    } finally {
      await app.close();
    }
  });
});
