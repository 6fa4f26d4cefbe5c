import http from 'node:http';
import { startTestServer } from './http-test-server.js';

export interface Upstream {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A hostile GitHub: a real HTTP server in front of the fake GitHub that forwards every
 * request and lets a test rewrite the answer (HTML, avatars, Link headers, ETags, error
 * text) before the channel server sees it.
 */
export async function startHostileProxy(
  target: string,
  rewrite: (req: { method: string; path: string; headers: http.IncomingHttpHeaders }, answer: Upstream) => Upstream,
): Promise<{ url: string; close(): Promise<void> }> {
  return startTestServer(async (req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const up = await fetch(target + req.url, { method: req.method, headers, ...(req.body.length > 0 ? { body: req.body } : {}), redirect: 'manual' });
    const upHeaders: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') upHeaders[k] = v;
    });
    const out = rewrite(
      { method: req.method, path: req.url.split('?')[0]!, headers: req.headers },
      { status: up.status, headers: upHeaders, body: await up.text() },
    );
    res.writeHead(out.status, { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) });
    res.end(out.body);
  });
}
