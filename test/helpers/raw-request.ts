import net from 'node:net';
import { deliveryHeaders } from '../../sandbox/fake-github/hooks.js';

/** One raw HTTP/1.1 POST on its own socket: the headers, then as much body as the test sends (slow bodies, stalls). */
export function rawRequest(port: number, path: string, headers: Record<string, string>) {
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  let statusLine: (status: number) => void = () => undefined;
  const answered = new Promise<number>((r) => (statusLine = r));
  socket.on('data', (d: Buffer) => {
    answer += d.toString('latin1');
    const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
    if (m) statusLine(Number(m[1]));
  });
  socket.on('close', () => statusLine(0));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const head = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  return {
    socket,
    send: (bytes: string | Buffer) => new Promise<void>((r) => socket.write(bytes, () => r())),
    closed,
    /** The answer's status once its status line arrives (0 when the socket closed without one): a signal, not a poll. */
    answered,
    answer: () => answer,
    status: () => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0),
  };
}

/** GitHub's headers for an `issues` delivery of `body` signed with `secret`, with its length; `extra` replaces any of them. */
export function signedDelivery(body: string, secret: string, extra: Record<string, string> = {}, id: string = crypto.randomUUID()): Record<string, string> {
  return { ...deliveryHeaders({ id: 1, secret }, { id, event: 'issues' }, body), 'content-length': String(Buffer.byteLength(body)), ...extra };
}
