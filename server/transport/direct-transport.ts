import { Agent, request } from 'undici';
import { AppError } from '../errors.js';
import { callSignal, resolveTarget, type OutboundRequest, type OutboundResponse, type Transport } from './transport.js';

/** Largest response body we read; a bigger one is an attack or a bug, not an issue list. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * Calls the API directly with a token (TRANSPORT=direct: self-hosted single tenant,
 * and the sandbox). undici's request API rather than fetch: an idle pull is six small
 * requests, and fetch's per-request set-up (Request objects, web streams) was the
 * largest cost in its profile. Redirects are not followed: a redirect loop or a hop to
 * another host would otherwise carry the token along.
 */
export class DirectTransport implements Transport {
  readonly #agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });

  constructor(
    private readonly apiRoot: string,
    /** Sent with every call: the connector's authorisation and identification (see the connector's directHeaders). */
    private readonly headers: Record<string, string>,
  ) {}

  async send(r: OutboundRequest): Promise<OutboundResponse> {
    const url = resolveTarget(this.apiRoot, r.target, r.query);
    const signal = callSignal(r);
    try {
      const res = await request(url, {
        method: r.method,
        headers: {
          ...this.headers,
          ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...r.headers,
        },
        ...(r.body !== undefined ? { body: r.body } : {}),
        signal,
        dispatcher: this.#agent,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const declared = Number(headers['content-length'] ?? '0');
      if (declared > MAX_BODY_BYTES) {
        res.body.destroy();
        throw new AppError('UPSTREAM_BAD_RESPONSE', `the API answered with ${declared} bytes, more than the ${MAX_BODY_BYTES} we read`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new AppError('UPSTREAM_BAD_RESPONSE', `the API's answer is larger than the ${MAX_BODY_BYTES} bytes we read`);
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8'), headersVisible: true };
    } catch (err) {
      if (err instanceof AppError) throw err;
      const why = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timed out' : 'connection failed';
      throw new AppError('UPSTREAM_UNAVAILABLE', `${r.method} ${url.pathname} ${why}`, { cause: err });
    }
  }
}
