import net from 'node:net';
import tls from 'node:tls';

export type RespValue = string | number | null;

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
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed')));
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
        reject(new Error(`no answer within ${this.timeoutMs} ms`));
        socket.destroy(); // answers after this would pair with the wrong command
      }, this.timeoutMs);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => (clearTimeout(timer), fn(v));
      this.#pending.push({ resolve: settle(resolve), reject: settle(reject) });
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
  }

  #read(chunk: Buffer): void {
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
        if (n < 0) value = null;
        else {
          if (this.#buffer.length < used + n + 2) return;
          value = this.#buffer.subarray(used, used + n).toString('utf8');
          used += n + 2;
        }
      } else {
        this.#socket?.destroy();
        this.#fail(new Error(`redis: unexpected reply type ${JSON.stringify(type)}`));
        return;
      }
      this.#buffer = this.#buffer.subarray(used);
      const waiter = this.#pending.shift();
      if (value instanceof Error) waiter?.reject(value);
      else waiter?.resolve(value);
    }
  }

  #fail(err: Error): void {
    this.#socket = undefined;
    this.#ready = undefined;
    this.#buffer = Buffer.alloc(0);
    for (const w of this.#pending.splice(0)) w.reject(err);
  }
}
