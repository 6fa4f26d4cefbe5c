import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { buildApp } from '../http/app.js';
import { AppError } from '../errors.js';
import { jsonTooDeep } from '../http/json-depth.js';
import type { PlaceCount } from '../http/connection-caps.js';
import type { DeliveryRef, ImportCoalescer } from './coalescer.js';
import { isAnswer, type DeliveryConnector, type DeliveryLog } from './connector.js';
import { admission, closeAfterAnswer, DOOR_LIMITS, readSigned, refuseBeforeBody, type DoorLimits } from './door.js';

/** A delivery about an item last changed longer ago than this is a replay or a manual redelivery: the pull has it. */
export const MAX_DELIVERY_AGE_SECONDS = 3600;
/** Delivery ids already imported, so an upstream's redelivery of one costs Desk no second call. */
const REMEMBERED_DELIVERIES = 10_000;

export interface DeliveryRouteOptions {
  connector: DeliveryConnector;
  coalescer: ImportCoalescer;
  imported: DeliveryMemory;
  /** The clock deliveries are judged by (the upstream's times; tests move it). */
  now?: (() => number) | undefined;
  /** The door's bounds (size, body deadline, deliveries in flight); tests narrow them. */
  limits?: Partial<DoorLimits> | undefined;
}

/**
 * Delivery ids taken in (bounded, oldest forgotten first): remembered as they are
 * queued, so concurrent copies of one delivery import once, and forgotten again when
 * their import fails or is refused, so the upstream's "Redeliver" can bring them.
 */
export class DeliveryMemory {
  readonly #ids = new Set<string>();
  has(id: string): boolean {
    return this.#ids.has(id);
  }
  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > REMEMBERED_DELIVERIES) this.#ids.delete(this.#ids.values().next().value!);
  }
  delete(id: string): void {
    this.#ids.delete(id);
  }
}

/**
 * A connector's deliveries: checked in order of cost, nothing opened or parsed before the
 * signature verifies (the key comes from the URL's tail), then opened, parsed within
 * bounds, mapped and queued for import. The answer does not wait for Desk: an upstream
 * gives up within seconds, and the pull is the safety net. Answers the door's place
 * counter (deliveries being received).
 */
export function registerDeliveryRoute(app: ReturnType<typeof buildApp>['app'], o: DeliveryRouteOptions): PlaceCount {
  const limits: DoorLimits = { ...DOOR_LIMITS, ...o.limits };
  const door = admission(limits);
  const c = o.connector;
  const header = c.signatureHeader;
  // What the headers gave, kept for the body's check: the hook's key and the signature's digest.
  const signed = new WeakMap<object, { key: string; digest: Buffer }>();
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Before the body: the URL's shape, the headers, and a place at the door.
    scope.addHook('onRequest', async (req, reply) => {
      try {
        const key = c.keyOf(tailOf(req));
        signed.set(req.raw, { key, digest: refuseBeforeBody(req, limits, header, c.signatureOf) });
      } catch (err) {
        closeAfterAnswer(req, reply);
        throw err;
      }
      const release = door.enter(req.ip);
      if (typeof release !== 'function') {
        closeAfterAnswer(req, reply);
        throw new AppError('DELIVERY_OVERLOAD', 'too many deliveries at once: this one is dropped, the next pull brings its items');
      }
      reply.raw.once('close', release);
    });
    // The raw bytes, signed as they stream: nothing is parsed before the signature verifies.
    scope.addContentTypeParser('application/json', (req, payload, done) => {
      const { key, digest } = signed.get(req.raw)!;
      readSigned(payload, key, digest, limits, header).then(
        (body) => done(null, body),
        // What is left of a refused body is never read: the connection goes with the answer (onError).
        (err: AppError) => done(err, undefined),
      );
    });
    scope.addHook('onError', async (req, reply) => closeAfterAnswer(req, reply));
    scope.post(c.route, (req, reply) => handle(o, req, reply));
  });
  return door;
}

function tailOf(req: FastifyRequest): string {
  return (req.params as { '*'?: string } | undefined)?.['*'] ?? '';
}

async function handle(o: DeliveryRouteOptions, req: FastifyRequest, reply: FastifyReply) {
  const receivedAt = performance.now();
  const c = o.connector;
  const body = req.body;
  // The scope's one parser yields a Buffer only once the signature verified; no body, no signature.
  if (!Buffer.isBuffer(body)) throw new AppError('BAD_SIGNATURE', `${c.signatureHeader} does not match the body`);
  const log = req.log as DeliveryLog;
  const opened = c.open({ tail: tailOf(req), headers: req.headers }, log);
  if (isAnswer(opened)) return reply.code(opened.answer.code).send(opened.answer.body);
  const about = { delivery: opened.id, event: opened.event, source: opened.source };

  const text = body.toString('utf8');
  if (jsonTooDeep(text)) throw new AppError('BAD_JSON', `the delivery nests deeper than any ${c.service} payload`);
  let payload: unknown;
  try {
    payload = JSON.parse(text, (k, v: unknown) => (k === '__proto__' ? undefined : v));
  } catch (cause) {
    throw new AppError('BAD_JSON', 'the delivery is not JSON', { cause });
  }
  if (o.imported.has(opened.id)) return reply.code(200).send({ ok: true, duplicate: true });
  const mapped = c.map(opened, payload, log);
  if (isAnswer(mapped)) {
    if (mapped.note) log.info(about, mapped.note);
    return reply.code(mapped.answer.code).send(mapped.answer.body);
  }
  const nowS = Math.floor((o.now ?? Date.now)() / 1000);
  if (mapped.updatedAt < nowS - MAX_DELIVERY_AGE_SECONDS) {
    log.info(about, 'delivery ignored: older than an hour (a replay, or a redelivery the pull covers)');
    return reply.code(202).send({ ok: true, ignored: 'older than an hour' });
  }
  // Taken before the first await: a concurrent copy of this delivery now answers duplicate.
  // Forgotten when nothing gets queued, so the upstream's redelivery can still bring it.
  o.imported.add(opened.id);
  try {
    const unit = mapped.complete ? await mapped.complete() : mapped.unit;
    const ref: DeliveryRef = { id: opened.id, event: mapped.event ?? opened.event, source: opened.source, receivedAt };
    if (!o.coalescer.add(opened.who, unit, ref))
      throw new AppError('DELIVERY_OVERLOAD', "Desk's imports are behind and their queue is full: this delivery is dropped, the next pull brings its items");
    return reply.code(202).send({ ok: true, queued: unit.tickets.length + unit.threads.length });
  } catch (err) {
    o.imported.delete(opened.id);
    throw err;
  }
}

/** One line per delivery once Desk has it (npm start shows these). */
export function logImport(
  log: Logger,
  report: { deliveries: DeliveryRef[]; tickets: number; threads: number; ok: boolean; code?: string; doneAt: number },
): void {
  if (!report.ok) {
    // One line per failed call, with its cause: a burst's failure is one event, not a thousand.
    const sources = [...new Set(report.deliveries.map((d) => d.source))];
    log.warn(
      { code: report.code, deliveries: report.deliveries.length, sources, tickets: report.tickets, threads: report.threads },
      `import of ${report.deliveries.length > 0 ? `${report.deliveries.length} deliveries` : 'items sent again after a pull'} failed (${report.code}); the next pull brings their items`,
    );
    return;
  }
  for (const d of report.deliveries) {
    const ms = Math.round(report.doneAt - d.receivedAt);
    log.info(
      { delivery: d.id, event: d.event, source: d.source, tickets: report.tickets, threads: report.threads, ms },
      `delivery ${d.event} ${d.source} → import in ${ms} ms`,
    );
  }
}
