import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeAnswer } from './invoke-endpoint.js';
import { closeHttpServer } from '../close-server.js';

/** Far above any Invoke call we make (a GitHub comment is at most 65536 characters); a guard, not a Desk figure. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const INVOKE_PATH = '/api/v1/invoke';

export type InvokeHandler = (url: URL, headers: http.IncomingHttpHeaders, raw: string) => Promise<InvokeAnswer>;

export interface DeskHttpServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The simulator's own HTTP face: only `POST /api/v1/invoke`. Everything else gets a
 * clear JSON refusal (404, 405, 413), and a fault inside the simulator a 500 rather
 * than a dropped connection.
 */
export type ImportHandler = (installationId: string, headers: http.IncomingHttpHeaders, raw: string) => InvokeAnswer | Promise<InvokeAnswer>;
/** Desk's import API (§5), reached through Invoke's own forwarding. */
const IMPORT_PATH = /^\/api\/v1\/channels\/([^/]{1,40})\/import$/;

/** Desk's REST API (tickets, comments, fields, config params) as Invoke forwards to it; undefined: no such route. */
export type ApiHandler = (method: string, url: URL, headers: http.IncomingHttpHeaders, raw: string) => Promise<InvokeAnswer | undefined>;

export async function startDeskHttpServer(
  onInvoke: InvokeHandler,
  host = '127.0.0.1',
  port = 0,
  onImport?: ImportHandler,
  onApi?: ApiHandler,
): Promise<DeskHttpServer> {
  const server = http.createServer((req, res) => {
    const send = (a: InvokeAnswer, extra: Record<string, string> = {}): void => {
      if (res.headersSent) return;
      // 204 (a search that finds nothing) has no body.
      if (a.body === undefined) return void res.writeHead(a.status, extra).end();
      const text = JSON.stringify(a.body);
      res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'http://desk.invalid');
    const importOf = onImport && req.method === 'POST' ? IMPORT_PATH.exec(url.pathname) : null;
    const api = onApi && url.pathname !== INVOKE_PATH && !importOf && url.pathname.startsWith('/api/v1/');
    if (url.pathname !== INVOKE_PATH && !importOf && !api) {
      req.resume();
      return send({ status: 404, body: { errorCode: 'URL_NOT_FOUND', message: `the Desk simulator serves POST ${INVOKE_PATH} only` } });
    }
    if (req.method !== 'POST' && !api) {
      req.resume();
      return send({ status: 405, body: { errorCode: 'METHOD_NOT_ALLOWED', message: `${INVOKE_PATH} takes POST` } }, { allow: 'POST' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES && !tooLarge) {
        tooLarge = true;
        send({ status: 413, body: { errorCode: 'PAYLOAD_TOO_LARGE', message: `the Invoke body exceeds ${MAX_BODY_BYTES} bytes` } }, { connection: 'close' });
      }
      if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (importOf) return void Promise.resolve(onImport!(importOf[1]!, req.headers, raw)).then(send);
      if (api)
        return void onApi(req.method ?? 'GET', url, req.headers, raw).then(
          (a) => send(a ?? { status: 404, body: { errorCode: 'URL_NOT_FOUND', message: 'the Desk simulator has no such API' } }),
          (err: unknown) =>
            send({
              status: 500,
              body: { errorCode: 'INTERNAL_SERVER_ERROR', message: `Desk simulator fault: ${err instanceof Error ? err.message : String(err)}` },
            }),
        );
      onInvoke(url, req.headers, raw).then(send, (err: unknown) =>
        send({
          status: 500,
          body: { errorCode: 'INTERNAL_SERVER_ERROR', message: `Desk simulator fault: ${err instanceof Error ? err.message : String(err)}` },
        }),
      );
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => closeHttpServer(server),
  };
}
