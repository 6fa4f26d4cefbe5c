import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { verifyBodyHash } from '../desk/hash.js';
import { describeErrors, validators } from '../desk/schemas.js';
import type { HttpMetrics } from './metrics.js';

/** Events Desk documents (§9.1) and the spellings ZET or Zoho's samples use; others are counted as "other". */
const KNOWN_EVENTS = new Set([
  'onInstall',
  'onZohoAuthorise',
  'onDeskAuthorise',
  'onTPAAuthorise',
  'onTPAAuthorize',
  'onTPARevoke',
  'onUpdate',
  'onConfigParamAdd',
  'onConfigParamDelete',
  'onConfigParamChange',
  'onUninstall',
]);

export type CallbackHashMode = 'log' | 'enforce';
export type UninstallHook = (body: { orgId: string | number; securityContext: string; configParams?: unknown }, log: FastifyRequest['log']) => Promise<unknown>;

/**
 * A lifecycle callback. Desk documents a HASH header but not the string it signs
 * (§9.3), nor whether it keeps the query of a callback URL (our URL key), so a refusal
 * on our guess could block the install itself, while these handlers change nothing
 * (the server keeps no per-installation state). So by default a callback that does
 * not verify (key or HASH), or whose body we cannot read, is answered 200, logged
 * without its body, counted in /metrics and not acted on; CALLBACK_HASH=enforce
 * refuses it once a deployment has confirmed what Desk sends.
 */
export function handleCallback(o: { secret: string; mode: CallbackHashMode; metrics: HttpMetrics; onUninstall?: UninstallHook | undefined }) {
  return async (req: FastifyRequest<{ Params: { event: string } }>, reply: FastifyReply, keyOk: boolean) => {
    const event = KNOWN_EVENTS.has(req.params.event) ? req.params.event : 'other';
    const hash = req.headers.hash;
    const verified = keyOk && verifyBodyHash(o.secret, req.rawBody ?? '', typeof hash === 'string' ? hash : undefined);
    const problem = !keyOk
      ? new AppError('BAD_KEY', 'the URL key is missing or wrong')
      : !verified
        ? new AppError('BAD_HASH', 'the HASH header is missing or does not match the extension secret')
        : !validators.callback(req.body)
          ? new AppError('INVALID_BODY', describeErrors('body', validators.callback.errors))
          : undefined;
    if (problem) {
      o.metrics.countCallback(event, verified ? 'unreadable' : 'unverified');
      if (o.mode === 'enforce') throw problem;
      req.log.warn({ event, code: problem.code, hashPresent: typeof hash === 'string' }, 'lifecycle callback not acted on');
      return reply.send({ ok: true, acted: false });
    }
    o.metrics.countCallback(event, 'verified');
    const body = req.body as { event: string; orgId: string | number };
    // Nothing to store: the server keeps no per-installation state (design invariant 7),
    // and every pull and push brings a fresh securityContext.
    req.log.info({ event, bodyEvent: body.event.slice(0, 40), orgId: String(body.orgId) }, 'lifecycle event');
    // The one exception: with webhooks on, an uninstall removes our hooks (after the answer; it never blocks Desk).
    if (event === 'onUninstall' && o.onUninstall) {
      const log = req.log;
      void o
        .onUninstall(req.body as Parameters<UninstallHook>[0], log)
        .catch((err: unknown) => log.error({ code: 'INTERNAL', err }, 'onUninstall: removing webhooks failed'));
    }
    return reply.send({ ok: true, acted: true });
  };
}
