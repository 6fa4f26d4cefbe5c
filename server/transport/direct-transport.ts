import { AppError } from '../errors.js';
import { resolveTarget, type OutboundRequest, type OutboundResponse, type Transport } from './transport.js';

/** Largest response body we read; a bigger one is an attack or a bug, not an issue list. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * Calls the API directly with a token (TRANSPORT=direct: self-hosted single tenant,
 * and the sandbox). Redirects are not followed: a redirect loop or a hop to another
 * host would otherwise carry the token along.
 */
export class DirectTransport implements Transport {
  readonly kind = 'direct' as const;

  constructor(
    private readonly apiRoot: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(r: OutboundRequest): Promise<OutboundResponse> {
    const url = resolveTarget(this.apiRoot, r.target, r.query);
    const timeout = AbortSignal.timeout(Math.max(1, Math.round(r.timeoutMs ?? 15_000)));
    const signal = r.signal ? AbortSignal.any([r.signal, timeout]) : timeout;
    try {
      const res = await this.fetchImpl(url, {
        method: r.method,
        headers: {
          authorization: `Bearer ${this.token}`,
          'user-agent': 'github-issues-desk-channel',
          'x-github-api-version': '2022-11-28',
          ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...r.headers,
        },
        body: r.body,
        signal,
        redirect: 'manual',
      });
      const body = await readCapped(res, MAX_BODY_BYTES);
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      return { status: res.status, headers, body, headersVisible: true };
    } catch (err) {
      if (err instanceof AppError) throw err;
      const why = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timed out' : 'connection failed';
      throw new AppError('GITHUB_UNAVAILABLE', `GitHub ${r.method} ${url.pathname} ${why}`, { cause: err });
    }
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw new AppError('GITHUB_BAD_RESPONSE', `GitHub answered with ${declared} bytes, more than the ${max} we read`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new AppError('GITHUB_BAD_RESPONSE', `GitHub's answer is larger than the ${max} bytes we read`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
