import { expect } from 'chai';
import net from 'node:net';
import { RespClient } from '../../server/claims/resp-client.js';

/** A Redis stand-in on 127.0.0.1 whose every connection is handled by `onConnection`. */
async function fakeRedis(
  onConnection: (socket: net.Socket, n: number) => void,
): Promise<{ url: URL; closed: () => number; firstClose: Promise<void>; close(): Promise<void> }> {
  let n = 0;
  let closed = 0;
  let closedOne: () => void = () => undefined;
  const firstClose = new Promise<void>((r) => (closedOne = r));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed++;
      sockets.delete(socket);
      closedOne();
    });
    onConnection(socket, ++n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: new URL(`redis://127.0.0.1:${port}`),
    closed: () => closed,
    /** Resolves when a connection first closes: a signal, not a poll. */
    firstClose,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('The RESP client', () => {
  it("an old connection closing late never fails the new connection's command (socket guard)", async () => {
    // The first connection never answers; its close is delayed past the second's start.
    const redis = await fakeRedis((socket, n) => {
      if (n === 1) {
        socket.pause();
        return;
      }
      socket.on('data', () => socket.write('+PONG\r\n'));
    });
    const client = new RespClient(redis.url, 100);
    try {
      const first = await client.command('PING').catch((e: Error) => e);
      expect(String(first)).to.match(/no answer within 100 ms/);
      // The destroyed socket's 'close' comes on a later tick; the second command is already on the new socket.
      const second = client.command('PING');
      expect(await second).to.equal('PONG');
      expect(await client.command('PING')).to.equal('PONG');
    } finally {
      await client.close();
      await redis.close();
    }
  });

  it('drops a connection that sends bytes nobody asked for, rather than buffering them', async () => {
    let flooding: NodeJS.Timeout | undefined;
    const redis = await fakeRedis((socket, n) => {
      socket.on('data', () => socket.write('+PONG\r\n'));
      if (n === 1) flooding = setInterval(() => socket.writable && socket.write(Buffer.alloc(64 * 1024, 'x')), 5);
    });
    const client = new RespClient(redis.url, 500);
    try {
      expect(await client.command('PING').catch((e: Error) => e.message)).to.match(/PONG|bytes without a command|reply/);
      await redis.firstClose;
      expect(redis.closed(), 'the flooding connection was dropped by the client').to.be.at.least(1);
      // The next command opens a new connection and is answered.
      expect(await client.command('PING')).to.equal('PONG');
    } finally {
      clearInterval(flooding);
      await client.close();
      await redis.close();
    }
  });

  it('refuses a bulk reply that declares more than any claim holds', async () => {
    const redis = await fakeRedis((socket) => socket.on('data', () => socket.write('$999999999\r\nxx')));
    const client = new RespClient(redis.url, 2000);
    try {
      const err = await client.command('GET', 'k').catch((e: Error) => e);
      expect(String(err)).to.match(/larger than any claim/);
    } finally {
      await client.close();
      await redis.close();
    }
  });
});
