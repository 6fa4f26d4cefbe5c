import net from 'node:net';
import tls from 'node:tls';

export type RespValue = string | number | null;

/** A claim's answers are a few bytes; nothing the store asks for comes near this. */
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * The least of Redis's protocol (RESP2) the claim store needs: one connection, commands
 * answered in order, simple strings, errors, integers and bulk strings. Opened on first
 * use and again after a failure; every command has a deadline. Written here rather than
 * a client package because two commands do not justify a dependency tree.
 */
export class RespClient {
  #socket: net.Socket | undefined;
  #ready: Promise<void> | undefined;
  #buffer = Buffer.alloc(0);
  readonly #pending: Array<{ resolve: (v: RespValue) => void; reject: (e: Error) => void }> = [];

  constructor(
    private readonly url: URL,
    private readonly timeoutMs = 2000,
  ) {}

  async command(...args: string[]): Promise<RespValue> {
    await this.#connect();
    return this.#send(args);
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    this.#fail(new Error('closed'));
  }

  #connect(): Promise<void> {
    if (this.#ready) return this.#ready;
    const port = Number(this.url.port || 6379);
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const socket = this.url.protocol === 'rediss:' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.unref();
    this.#socket = socket;
    // Only the current socket speaks for the client: an old one closing late (after a
    // timeout destroyed it and a new one was opened) must not fail the new one's commands.
    socket.on('data', (chunk: Buffer) => this.#socket === socket && this.#read(chunk, socket));
    socket.on('error', (err) => this.#socket === socket && this.#fail(err));
    socket.on('close', () => this.#socket === socket && this.#fail(new Error('connection closed')));
    this.#ready = new Promise<void>((resolve, reject) => {
      socket.once(this.url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    }).then(async () => {
      const password = decodeURIComponent(this.url.password);
      const user = decodeURIComponent(this.url.username);
      if (password) await this.#send(user ? ['AUTH', user, password] : ['AUTH', password]);
      const db = this.url.pathname.replace(/^\//, '');
      if (db) await this.#send(['SELECT', db]);
    });
    // A refused AUTH or a failed connect: the next command starts over on a new connection.
    this.#ready = this.#ready.catch((err: unknown) => {
      socket.destroy();
      if (this.#socket === socket) this.#fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    });
    return this.#ready;
  }

  #send(args: string[]): Promise<RespValue> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new Error('not connected'));
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new Error(`no answer within ${this.timeoutMs} ms`);
        reject(err);
        // Answers after this would pair with the wrong command: the connection goes now, and
        // the next command opens a new one (this one's late 'close' is then ignored).
        socket.destroy();
        if (this.#socket === socket) this.#fail(err);
      }, this.timeoutMs);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => (clearTimeout(timer), fn(v));
      this.#pending.push({ resolve: settle(resolve), reject: settle(reject) });
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
  }

  #read(chunk: Buffer, socket: net.Socket): void {
    // Bytes nobody asked for, or more than any answer of ours holds: the server is not
    // speaking our protocol. Dropped with the connection, never buffered.
    if (this.#pending.length === 0 || this.#buffer.length + chunk.length > MAX_REPLY_BYTES) {
      socket.destroy();
      this.#fail(new Error(this.#pending.length === 0 ? 'redis: bytes without a command' : 'redis: a reply larger than any claim'));
      return;
    }
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) return;
      const type = String.fromCharCode(this.#buffer[0]!);
      const line = this.#buffer.subarray(1, end).toString('utf8');
      let value: RespValue | Error;
      let used = end + 2;
      if (type === '+') value = line;
      else if (type === '-') value = new Error(`redis: ${line.slice(0, 200)}`);
      else if (type === ':') value = Number(line);
      else if (type === '$') {
        const n = Number(line);
        if (!Number.isSafeInteger(n) || n > MAX_REPLY_BYTES) {
          socket.destroy();
          this.#fail(new Error('redis: a bulk reply larger than any claim'));
          return;
        }
        if (n < 0) value = null;
        else {
          if (this.#buffer.length < used + n + 2) return;
          value = this.#buffer.subarray(used, used + n).toString('utf8');
          used += n + 2;
        }
      } else {
        socket.destroy();
        this.#fail(new Error(`redis: unexpected reply type ${JSON.stringify(type)}`));
        return;
      }
      this.#buffer = this.#buffer.subarray(used);
      const waiter = this.#pending.shift();
      if (!waiter) {
        socket.destroy();
        this.#fail(new Error('redis: a reply without a command'));
        return;
      }
      if (value instanceof Error) waiter.reject(value);
      else waiter.resolve(value);
    }
  }

  #fail(err: Error): void {
    this.#socket = undefined;
    this.#ready = undefined;
    this.#buffer = Buffer.alloc(0);
    for (const w of this.#pending.splice(0)) w.reject(err);
  }
}
