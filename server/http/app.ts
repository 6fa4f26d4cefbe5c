import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { AppError, ERROR_CATALOGUE } from '../errors.js';
import { sendError, toAppError } from './error-reply.js';
import { safeEqual } from '../desk/hash.js';
import { handleCallback, type UninstallHook } from './callbacks.js';
import { describeErrors, validators } from '../desk/schemas.js';
import { deskCallOf, pullParamsOf, pushReplyOf, type DeskCall } from '../desk/normalise.js';
import type { Channel, PullAnswer, RedirectTarget } from '../sync/channel.js';
import { HttpMetrics } from './metrics.js';
import { normaliseDeskUrl } from './desk-url.js';
import { answerClientError, clientErrorCode } from './client-errors.js';
import { jsonTooDeep } from './json-depth.js';

export interface AppOptions {
  config: Pick<ServerConfig, 'extensionSecret' | 'deskUrlKey' | 'bodyLimitBytes' | 'pull' | 'callbackHash'>;
  logger: Logger;
  channel: Channel;
  /** Validate every pull/push answer against Desk's schema before sending it (tests turn this on). */
  checkResponses?: boolean;
  /** With webhooks on: what a verified onUninstall does (removes our hooks). */
  onUninstall?: UninstallHook | undefined;
  /**
   * Each pull as it begins, with its org: told the answer as it leaves (the webhooks'
   * version ledger notes what Desk was sent) and once it is written or has failed (imports
   * that overtook it go again).
   */
  onPull?: ((orgId: string) => PullWatch) | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

/** What the delivery path is told of one pull (AppOptions.onPull). */
export interface PullWatch {
  /** The answer as it leaves; a replacement for it when items in it are older than what an import sent meanwhile. */
  answered(sync: PullAnswer['sync']): PullAnswer['sync'] | undefined;
  /** The answer was written to Desk (`sync`), or the pull ended without one (undefined). */
  written(sync: PullAnswer['sync'] | undefined): void;
}

const REDIRECT_ENTITIES = new Set(['ticket', 'thread', 'user_profile']);

/**
 * The HTTP face of the channel: Desk's routes, validated at the edge, with one error
 * mapping. Handlers are thin; the sync side is the injected `Channel`.
 */
export function buildApp(options: AppOptions) {
  const { config, channel } = options;
  const metrics = new HttpMetrics();
  // Every error answer, whoever raises it, is counted by code and logged once (sendError).
  const fail: Fail = (req, reply, error) => {
    metrics.countError(error.code);
    return sendError(req, reply, error);
  };
  const app = createFastify(options, metrics, fail);
  let draining = false;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
  addEdgeHooks(app, config, metrics, fail);

  const keyMatches = (query: Record<string, unknown>): boolean =>
    config.deskUrlKey === undefined || safeEqual(typeof query.key === 'string' ? query.key : '', config.deskUrlKey);
  const requireKey = (query: Record<string, unknown>): void => {
    if (!keyMatches(query)) throw new AppError('BAD_KEY', 'the URL key is missing or wrong');
  };
  const deskQuery = (req: FastifyRequest): DeskCall => {
    const query = req.query as Record<string, unknown>;
    requireKey(query);
    if (!validators.deskQuery(query)) throw new AppError('INVALID_QUERY', describeErrors('query', validators.deskQuery.errors));
    return deskCallOf(query);
  };
  const checked = <T>(kind: 'sync' | 'replyThread', value: T): T => {
    if (options.checkResponses && !validators[kind](value)) {
      throw new AppError('INTERNAL', `our ${kind} answer breaks Desk's schema: ${describeErrors('response', validators[kind].errors)}`);
    }
    return value;
  };

  app.post('/desk/pull', async (req, reply) => {
    const query = deskQuery(req);
    if (!validators.pullRequest(req.body)) throw new AppError('INVALID_BODY', describeErrors('body', validators.pullRequest.errors));
    const watch = options.onPull?.(query.orgId);
    const answered: { sync?: PullAnswer['sync'] } = {};
    reply.raw.once('close', () => watch?.written(reply.raw.writableFinished ? answered.sync : undefined));
    const answer = await channel.pull({ query, body: pullParamsOf(req.body), signal: abortOnHangUp(reply), log: req.log });
    checked('sync', answer.sync);
    const newer = watch?.answered(answer.sync);
    if (newer) checked('sync', newer);
    answered.sync = newer ?? answer.sync;
    return reply
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(newer ? JSON.stringify(newer) : answer.json);
  });

  app.post('/desk/push', async (req, reply) => {
    const query = deskQuery(req);
    if (!validators.pushRequest(req.body)) throw new AppError('INVALID_BODY', describeErrors('body', validators.pushRequest.errors));
    const thread = checked('replyThread', await channel.push({ query, body: pushReplyOf(req.body), signal: abortOnHangUp(reply), log: req.log }));
    return reply.header('cache-control', 'no-store').send(thread);
  });

  app.get('/desk/redirect', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    requireKey(q);
    const target = redirectTarget(q);
    const url = channel.redirect(target);
    if (!url) throw new AppError('NOT_FOUND', `no ${target.entity} of this channel has that id`);
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  // The URL key counts like the HASH here: a callback without it is not acted on, but
  // answered, so it cannot block an install (callbacks.ts).
  const callback = handleCallback({ secret: config.extensionSecret, mode: config.callbackHash, metrics, onUninstall: options.onUninstall });
  app.post<{ Params: { event: string } }>('/desk/callbacks/:event', async (req, reply) =>
    callback(req, reply, keyMatches(req.query as Record<string, unknown>)),
  );

  // Alive (restart me if not) vs ready (send me traffic): only readiness drops while draining.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (draining ? reply.code(503).send({ status: 'draining' }) : reply.send({ status: 'ready' })));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render(channel.metricLines?.() ?? [])));

  return { app, metrics, startDraining: () => void (draining = true) };
}

type Fail = (req: FastifyRequest, reply: FastifyReply, error: AppError) => FastifyReply;

/** Fastify as the edge wants it: body limit, Desk's URL forms, and our answer to what it cannot parse. */
function createFastify(options: AppOptions, metrics: HttpMetrics, fail: Fail) {
  return Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.config.bodyLimitBytes,
    requestTimeout: 120_000,
    // Desk may append `?orgId=…` to a URL that already holds `?key=…`: read both.
    rewriteUrl: (req) => normaliseDeskUrl(req.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true },
    // While draining, requests on open connections are still served (Desk would
    // otherwise retry them); /readyz says 503 and every answer closes its connection.
    return503OnClosing: false,
    // A URL fastify cannot decode (a bad percent-escape): fastify's own answer echoes it, key included.
    frameworkErrors: (err, req, reply) => fail(req, reply, new AppError('BAD_REQUEST', 'the URL cannot be read', { cause: err })),
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      const code = clientErrorCode(err);
      if (!code) return;
      metrics.countError(code);
      metrics.observe('-', 'client-error', ERROR_CATALOGUE[code].status, 0);
      options.logger.warn({ code, cause: err.code }, 'malformed request refused before routing');
      answerClientError(socket, code);
    },
  });
}

/** What every request meets around its handler: the URL key, the JSON parser, the request log, errors and 404s. */
function addEdgeHooks(app: ReturnType<typeof createFastify>, config: AppOptions['config'], metrics: HttpMetrics, fail: Fail): void {
  // The URL key is checked before the body is read: a caller without it costs no parsing,
  // and its connection is closed rather than kept while a slow body trickles in.
  app.addHook('onRequest', async (req, reply) => {
    if (config.deskUrlKey === undefined || !req.url.startsWith('/desk/')) return;
    // A callback without the key is still answered (2xx, not acted on) unless refusal is enforced: it must never block an install.
    if (req.url.startsWith('/desk/callbacks/') && config.callbackHash !== 'enforce') return;
    const key = (req.query as Record<string, unknown>).key;
    if (!safeEqual(typeof key === 'string' ? key : '', config.deskUrlKey)) {
      reply.header('connection', 'close');
      return fail(req, reply, new AppError('BAD_KEY', 'the URL key is missing or wrong'));
    }
  });

  // JSON bodies are parsed by fastify's own safe parser (prototype poisoning refused),
  // keeping the raw text for the callbacks' HASH.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    // A callback's body that cannot be read (empty, a prototype key, too deep) reaches its
    // handler as no body: answered 200 and not acted on, never a 400 that could block an install.
    const lenient = req.url.startsWith('/desk/callbacks/');
    if (jsonTooDeep(body as string)) return done(lenient ? null : new AppError('BAD_JSON', 'the body nests deeper than any Desk request'), undefined);
    if (lenient) return parseJson(req, body as string, (err, value) => done(null, err ? undefined : value));
    parseJson(req, body as string, done);
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.observe(req.method, route, reply.statusCode, seconds);
    req.log.info({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((err, req, reply) => fail(req, reply, toAppError(err)));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const known = KNOWN_ROUTES.find((r) => r.pattern.test(path));
    const error = known
      ? new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${known.name}; use ${known.method}`)
      : new AppError('NOT_FOUND', `no route ${req.method} ${path.slice(0, 100)}`);
    return fail(req, reply, error);
  });
}

const KNOWN_ROUTES = [
  { name: '/desk/pull', method: 'POST', pattern: /^\/desk\/pull\/?$/ },
  { name: '/desk/push', method: 'POST', pattern: /^\/desk\/push\/?$/ },
  { name: '/desk/redirect', method: 'GET', pattern: /^\/desk\/redirect\/?$/ },
  { name: '/desk/callbacks/<event>', method: 'POST', pattern: /^\/desk\/callbacks\/[^/]+\/?$/ },
  { name: '/healthz', method: 'GET', pattern: /^\/healthz\/?$/ },
  { name: '/readyz', method: 'GET', pattern: /^\/readyz\/?$/ },
  { name: '/metrics', method: 'GET', pattern: /^\/metrics\/?$/ },
];

function redirectTarget(q: Record<string, unknown>): RedirectTarget {
  const { entity, id, parentId } = q;
  if (typeof entity !== 'string' || !REDIRECT_ENTITIES.has(entity)) {
    throw new AppError('INVALID_QUERY', 'query.entity must be ticket, thread or user_profile');
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) throw new AppError('INVALID_QUERY', 'query.id must be an id of 1 to 255 characters');
  if (parentId !== undefined && (typeof parentId !== 'string' || parentId.length > 255)) {
    throw new AppError('INVALID_QUERY', 'query.parentId must be an id of at most 255 characters');
  }
  return { entity: entity as RedirectTarget['entity'], id, parentId: parentId as string | undefined };
}

/**
 * An AbortSignal that fires when Desk hangs up before the answer is sent, so a pull
 * stops spending GitHub's rate limit. The response's 'close' fires once per request
 * (a listener on the keep-alive socket would pile up across requests).
 */
function abortOnHangUp(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
