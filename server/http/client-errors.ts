import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';

/*
 * Errors Node's HTTP parser meets before fastify sees a request (malformed HTTP,
 * oversized headers, a request not received in time) are answered in the catalogue's
 * {code, message} too. Nothing of the request is echoed: its URL may carry the key.
 */

/** The catalogue code for a parser error; undefined when there is nobody to answer (a reset). */
export function clientErrorCode(err: { code?: string }): ErrorCode | undefined {
  if (err.code === 'ECONNRESET') return undefined;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  return 'BAD_REQUEST';
}

/** Writes the answer on the raw socket and closes it. */
export function answerClientError(socket: Duplex, code: ErrorCode): void {
  if (socket.destroyed || !socket.writable) return;
  const { status, hint } = ERROR_CATALOGUE[code];
  const body = JSON.stringify({ code, message: hint });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
