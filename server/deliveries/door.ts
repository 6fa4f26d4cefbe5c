import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { PlaceCount } from '../http/connection-caps.js';

/**
 * The webhook door: the one route anyone on the internet may call without a key.
 * Everything that can be refused from the request line and headers is refused before a
 * byte of the body is read; the body's signature is computed as it streams, within a
 * deadline and a size bound; and only so many bodies are in flight at once, per client
 * and in all. An attacker holding many slow connections open costs at most
 * `maxInFlight × maxBodyBytes` of memory, released when they are cut.
 */
export interface DoorLimits {
  /** A delivery's body, at most (GitHub's issue and comment payloads are tens of KB). */
  maxBodyBytes: number;
  /** From the end of the headers to the end of the body (GitHub, for one, gives up after 10 s). */
  bodyDeadlineMs: number;
  /** Deliveries being received at once, in all. */
  maxInFlight: number;
  /** Deliveries being received at once from one peer address. */
  maxInFlightPerClient: number;
}

export const DOOR_LIMITS: DoorLimits = { maxBodyBytes: 512 * 1024, bodyDeadlineMs: 10_000, maxInFlight: 128, maxInFlightPerClient: 32 };

/** The deliveries being received, per peer and in all (the door's bounds). */
export function admission(limits: DoorLimits): PlaceCount {
  return new PlaceCount({ total: limits.maxInFlight, perKey: limits.maxInFlightPerClient });
}

/**
 * What can be refused before the body: its type and declared length, and the signature
 * header's form. Answers the signature's digest; throws the catalogue error (the caller
 * closes the connection).
 */
export function refuseBeforeBody(req: FastifyRequest, limits: DoorLimits, signatureHeader: string, signatureOf: (value: string) => Buffer | undefined): Buffer {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'a delivery is application/json');
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= limits.maxBodyBytes)) {
    throw new AppError('BODY_TOO_LARGE', `a delivery is at most ${limits.maxBodyBytes} bytes`);
  }
  const signature = req.headers[signatureHeader];
  const digest = typeof signature === 'string' ? signatureOf(signature) : undefined;
  if (!digest) throw new AppError('BAD_SIGNATURE', `${signatureHeader} is missing or malformed`);
  return digest;
}

/**
 * Reads the body, computing its HMAC as the chunks arrive, and answers it only if the
 * signature matches (compared in constant time). Past the size bound or the deadline the
 * stream is dropped at once.
 */
export function readSigned(payload: Readable, secret: string, signature: Buffer, limits: DoorLimits, signatureHeader: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const hmac = createHmac('sha256', secret);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: AppError | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      payload.removeListener('data', onData);
      if (err) {
        chunks.length = 0;
        payload.pause();
        reject(err);
      } else resolve(body!);
    };
    const timer = setTimeout(
      () => finish(new AppError('REQUEST_TIMEOUT', `the delivery's body did not arrive within ${limits.bodyDeadlineMs} ms`)),
      limits.bodyDeadlineMs,
    );
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) return finish(new AppError('BODY_TOO_LARGE', `a delivery is at most ${limits.maxBodyBytes} bytes`));
      hmac.update(chunk);
      chunks.push(chunk);
    };
    payload.on('data', onData);
    payload.once('error', () => finish(new AppError('BAD_REQUEST', 'the delivery was cut off')));
    payload.once('end', () => {
      const want = hmac.digest();
      if (signature.length !== want.length || !timingSafeEqual(signature, want))
        return finish(new AppError('BAD_SIGNATURE', `${signatureHeader} does not match`));
      finish(undefined, Buffer.concat(chunks, size));
    });
  });
}

/** A refused delivery's connection is cut once the answer is out: nothing more of its body is read. */
export function closeAfterAnswer(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  reply.raw.once('finish', () => req.raw.socket?.destroy());
}
