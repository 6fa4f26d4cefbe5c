import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE, isAppError, type ErrorCode } from '../errors.js';

/*
 * One way out for every failure: anything thrown becomes a code of the catalogue,
 * answered as {code, message} with the code's status. No stack or inner message of an
 * unexpected error leaves the process; the log gets it.
 */

/** Maps anything thrown to a code of the catalogue; fastify's own errors by their codes. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_JSON',
    FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_JSON',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_BODY',
    FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  };
  const mapped = e.code ? byFastifyCode[e.code] : undefined;
  if (mapped) return new AppError(mapped, messageFor(mapped, e.message), { cause: err });
  if (err instanceof SyntaxError || e.statusCode === 400) return new AppError('BAD_JSON', 'the body is not valid JSON', { cause: err });
  if (e.statusCode === 413) return new AppError('BODY_TOO_LARGE', ERROR_CATALOGUE.BODY_TOO_LARGE.hint, { cause: err });
  if (e.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', ERROR_CATALOGUE.UNSUPPORTED_MEDIA_TYPE.hint, { cause: err });
  return new AppError('INTERNAL', 'internal error', { cause: err });
}

function messageFor(code: ErrorCode, original: string | undefined): string {
  switch (code) {
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'the body must be application/json';
    case 'BODY_TOO_LARGE':
      return 'the request body is larger than the server accepts';
    case 'BAD_JSON':
      return original?.startsWith('Body') ? 'the body is empty or not valid JSON' : 'the body is not valid JSON';
    default:
      return ERROR_CATALOGUE[code].hint;
  }
}

export function sendError(req: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.status >= 500) {
    req.log.error({ code: error.code, err: error.cause ?? error, route: req.routeOptions.url }, error.message);
  } else {
    req.log.warn({ code: error.code, route: req.routeOptions.url }, error.message);
  }
  if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter))));
  // INTERNAL never says more than its name: no stack or inner message leaves the process.
  const message = error.code === 'INTERNAL' ? 'internal error' : error.message;
  return reply.status(error.status).header('cache-control', 'no-store').send({ code: error.code, message });
}
