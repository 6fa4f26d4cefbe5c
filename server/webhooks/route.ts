import type { FastifyReply, FastifyRequest } from 'fastify';
import type { buildApp } from '../http/app.js';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { jsonTooDeep } from '../http/json-depth.js';
import { mapDelivery } from './delivery-map.js';
import type { Escalation } from '../escalation/index.js';
import { gitHubIssueSide } from '../connectors/github/escalation.js';
import { HOOK_ID_PATTERN, MAX_TOKEN_LENGTH, hookSecret, openTarget, type HookKeys, type HookTarget } from './seal.js';
import type { GhIssue } from '../connectors/github/github-types.js';
import { admission, closeAfterAnswer, DOOR_LIMITS, readSigned, refuseBeforeBody, type DoorLimits } from './door.js';
import type { DeliveryRef, ImportCoalescer } from './coalescer.js';
import { lastEvents, storyOfEvents, wantsStory, withStory } from './delivery-story.js';
import { StoryReads } from './story-reads.js';
import type { InstalledHookUrls } from './installed-urls.js';
import type { PlaceCount } from '../http/connection-caps.js';
import { GitHubApi } from '../connectors/github/api.js';
import { isAppError } from '../errors.js';
import type { DeskCall } from '../desk/normalise.js';
import type { Transport } from '../transport/transport.js';

/** A delivery about an item last changed longer ago than this is a replay or a manual redelivery: the pull has it. */
export const MAX_DELIVERY_AGE_SECONDS = 3600;
/** Delivery ids already imported, so GitHub's redelivery of one costs Desk no second call. */
const REMEMBERED_DELIVERIES = 10_000;

/** A wildcard: the sealed token is longer than the router's 100-character limit on a parameter. */
export const WEBHOOK_ROUTE = '/github/webhooks/*';

export interface WebhookRouteOptions {
  keys: HookKeys;
  extensionSecret: string;
  coalescer: ImportCoalescer;
  imported: DeliveryMemory;
  now?: () => number;
  /** GitHub for the installation the hook seals (as the pull calls it): the story's events are read through it. */
  transportFor?: ((q: DeskCall) => Transport) | undefined;
  /** The door's bounds (size, body deadline, deliveries in flight); tests narrow them. */
  limits?: Partial<DoorLimits> | undefined;
  /** The story's events reads, shared and bounded per installation. */
  storyReads?: StoryReads | undefined;
  /** The URL each hook should carry, as this process's pulls installed it. */
  installed?: InstalledHookUrls | undefined;
  /** The escalation loop: a closed or reopened issue's linked tickets are told at once. */
  escalation?: Escalation | undefined;
}

/**
 * Delivery ids taken in (bounded, oldest forgotten first): remembered as they are
 * queued, so concurrent copies of one delivery import once, and forgotten again when
 * their import fails or is refused, so GitHub's "Redeliver" can bring them.
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
 * GitHub's deliveries: checked in order of cost, nothing opened or parsed before the
 * signature verifies (the secret comes from the URL's public hook id), then the sealed
 * target opened, the event mapped and queued for import. The answer does not wait for
 * Desk: GitHub gives up after 10 s and never retries, and the pull is the safety net.
 */
/** Registers the route; answers the door's place counter (deliveries being received). */
export function registerWebhookRoute(app: ReturnType<typeof buildApp>['app'], o: WebhookRouteOptions): PlaceCount {
  const limits: DoorLimits = { ...DOOR_LIMITS, ...o.limits };
  const door = admission(limits);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Before the body: the URL's shape, the headers, and a place at the door.
    scope.addHook('onRequest', async (req, reply) => {
      try {
        hookUrl(req as FastifyRequest<{ Params: { '*': string } }>);
        refuseBeforeBody(req, limits);
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
      const { hid } = hookUrl(req as FastifyRequest<{ Params: { '*': string } }>);
      readSigned(payload, hookSecret(o.keys, hid), String(req.headers['x-hub-signature-256']), limits).then(
        (body) => done(null, body),
        // What is left of a refused body is never read: the connection goes with the answer (onError).
        (err: AppError) => done(err, undefined),
      );
    });
    scope.addHook('onError', async (req, reply) => closeAfterAnswer(req, reply));
    scope.post<{ Params: { '*': string } }>(WEBHOOK_ROUTE, (req, reply) => handle(o, req, reply));
  });
  return door;
}

/** The hook id and sealed token from the URL, or BAD_HOOK_URL. */
function hookUrl(req: FastifyRequest<{ Params: { '*': string } }>): { hid: string; token: string } {
  const [hid = '', token = '', ...more] = (req.params['*'] ?? '').split('/');
  if (!HOOK_ID_PATTERN.test(hid) || token.length > MAX_TOKEN_LENGTH || more.length > 0) throw new AppError('BAD_HOOK_URL', 'the hook URL is not one of ours');
  return { hid, token };
}

async function handle(o: WebhookRouteOptions, req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) {
  const receivedAt = performance.now();
  const { hid, token } = hookUrl(req);
  const body = req.body;
  // The scope's one parser yields a Buffer only once the signature verified; no body, no signature.
  if (!Buffer.isBuffer(body)) throw new AppError('BAD_SIGNATURE', 'X-Hub-Signature-256 does not match the body');
  const target = openTarget(o.keys, hid, token);
  if (!target) throw new AppError('BAD_HOOK_URL', "the hook URL does not open under this server's key");
  const event = header(req, 'x-github-event', /^[a-z_]{1,40}$/);
  const id = header(req, 'x-github-delivery', /^[A-Za-z0-9-]{1,64}$/);
  if (!event || !id) throw new AppError('INVALID_BODY', 'X-GitHub-Event or X-GitHub-Delivery is missing or malformed');
  if (event === 'ping') return reply.code(200).send({ ok: true, event });
  // Through an old URL of ours (an admin restored it): its sealed settings are out of date.
  const verdict = o.installed?.judge(hid, token) ?? { take: true };
  if (!verdict.take) {
    if (verdict.firstTime)
      req.log.warn(
        { delivery: id, event, repo: target.r },
        'delivery through an old URL of our hook (restored on GitHub?): dropped; the next pull brings its items and repairs the hook',
      );
    return reply.code(202).send({ ok: true, ignored: 'an old hook URL: the next pull repairs the hook' });
  }

  const text = body.toString('utf8');
  if (jsonTooDeep(text)) throw new AppError('BAD_JSON', 'the delivery nests deeper than any GitHub payload');
  let payload: unknown;
  try {
    payload = JSON.parse(text, (k, v: unknown) => (k === '__proto__' ? undefined : v));
  } catch (cause) {
    throw new AppError('BAD_JSON', 'the delivery is not JSON', { cause });
  }
  const full = (payload as { repository?: { full_name?: unknown } } | null)?.repository?.full_name;
  if (typeof full !== 'string' || full.toLowerCase() !== target.r)
    throw new AppError('WRONG_REPOSITORY', 'the delivery names another repository than its hook');
  if (o.imported.has(id)) return reply.code(200).send({ ok: true, duplicate: true });
  startLoop(o, target, event, payload, req);
  // A repository only linked issues live in: the loop is all its deliveries are for.
  if (target.e === 1) return reply.code(202).send({ ok: true, ignored: 'escalation only: nothing is imported from this repository' });

  const mapped = mapDelivery(event, payload, target, o.extensionSecret);
  const nowS = Math.floor((o.now ?? Date.now)() / 1000);
  if (mapped.kind === 'unit' && mapped.updatedAt < nowS - MAX_DELIVERY_AGE_SECONDS) {
    req.log.info({ delivery: id, event, repo: target.r }, 'delivery ignored: older than an hour (a replay, or a redelivery the pull covers)');
    return reply.code(202).send({ ok: true, ignored: 'older than an hour' });
  }
  if (mapped.kind === 'ignored') {
    req.log.info({ delivery: id, event, repo: target.r, why: mapped.why }, 'delivery ignored');
    return reply.code(202).send({ ok: true, ignored: mapped.why });
  }
  const action = String((payload as { action?: unknown }).action ?? '').slice(0, 40);
  // Taken before the first await: a concurrent copy of this delivery now answers duplicate.
  o.imported.add(id);
  const unit =
    o.transportFor && wantsStory(event, action, target) ? withStory(mapped.unit, await storyOf(o, target, mapped.issue, action, req, id)) : mapped.unit;
  const ref: DeliveryRef = { id, event: `${event}.${action}`, repo: target.r, receivedAt };
  if (!o.coalescer.add({ orgId: target.o, securityContext: target.s }, unit, ref)) {
    o.imported.delete(id);
    throw new AppError('DELIVERY_OVERLOAD', "Desk's imports are behind and their queue is full: this delivery is dropped, the next pull brings its items");
  }
  return reply.code(202).send({ ok: true, queued: unit.tickets.length + unit.threads.length });
}

/**
 * The delivery's story threads; none when GitHub cannot be read, or when the
 * installation's share of reads is taken (the ticket still goes, the next pull tells them).
 */
async function storyOf(o: WebhookRouteOptions, target: HookTarget, issue: GhIssue, action: string, req: FastifyRequest, delivery: string) {
  const reads = (o.storyReads ??= new StoryReads());
  try {
    const api = new GitHubApi(o.transportFor!({ orgId: target.o, securityContext: target.s }), o.now ?? Date.now);
    const events = await reads.read(target.o, `${target.r}#${issue.number}@${issue.updatedAt}`, () => lastEvents(api, target.r, issue.number));
    return events ? storyOfEvents(events, target.r, issue, action) : [];
  } catch (err) {
    const code = isAppError(err) ? err.code : 'INTERNAL';
    req.log.warn({ code, err, delivery, repo: target.r }, `story threads of the delivery not read (${code}): the next pull tells them`);
    return [];
  }
}

/** A closed or reopened issue: its linked Desk tickets are told in the background (escalation/loop.ts), whatever the import does. */
function startLoop(o: WebhookRouteOptions, target: HookTarget, event: string, payload: unknown, req: FastifyRequest): void {
  if (!o.escalation || !o.transportFor || event !== 'issues') return;
  const p = payload as { action?: unknown; repository?: { id?: unknown }; issue?: { number?: unknown } };
  if (p.action !== 'closed' && p.action !== 'reopened') return;
  const repoId = p.repository?.id;
  const number = p.issue?.number;
  if (typeof repoId !== 'number' || !Number.isSafeInteger(repoId) || repoId <= 0 || typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0)
    return;
  const who = { orgId: target.o, securityContext: target.s };
  const transportFor = o.transportFor;
  o.escalation.onTransition(
    who,
    { repoId, number },
    () =>
      gitHubIssueSide(new GitHubApi(transportFor(who), o.now ?? Date.now), {
        secret: o.extensionSecret,
        orgId: target.o,
        timeoutMs: () => 10_000,
      }),
    req.log,
  );
}

function header(req: FastifyRequest, name: string, pattern: RegExp): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && pattern.test(v) ? v : undefined;
}

/** One line per delivery once Desk has it (npm start shows these). */
export function logImport(
  log: Logger,
  report: { deliveries: DeliveryRef[]; tickets: number; threads: number; ok: boolean; code?: string; doneAt: number },
): void {
  if (!report.ok) {
    // One line per failed call, with its cause: a burst's failure is one event, not a thousand.
    const repos = [...new Set(report.deliveries.map((d) => d.repo))];
    log.warn(
      { code: report.code, deliveries: report.deliveries.length, repos, tickets: report.tickets, threads: report.threads },
      `import of ${report.deliveries.length > 0 ? `${report.deliveries.length} deliveries` : 'items sent again after a pull'} failed (${report.code}); the next pull brings their items`,
    );
    return;
  }
  for (const d of report.deliveries) {
    const ms = Math.round(report.doneAt - d.receivedAt);
    log.info(
      { delivery: d.id, event: d.event, repo: d.repo, tickets: report.tickets, threads: report.threads, ms },
      `delivery ${d.event} ${d.repo} → import in ${ms} ms`,
    );
  }
}
