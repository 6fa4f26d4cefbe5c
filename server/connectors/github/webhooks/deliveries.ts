import { AppError, isAppError } from '../../../errors.js';
import type { DeliveryConnector, DeliveryHead, DeliveryLog, OpenedDelivery } from '../../../deliveries/connector.js';
import type { Escalation } from '../../../escalation/index.js';
import type { DeskCall } from '../../../desk/normalise.js';
import type { Transport } from '../../../transport/transport.js';
import type { SyncUnit } from '../../../sync/batch.js';
import { GitHubApi } from '../api.js';
import { gitHubIssueSide } from '../escalation.js';
import type { GhIssue } from '../github-types.js';
import { mapDelivery } from './delivery-map.js';
import { lastEvents, storyOfEvents, wantsStory, withStory } from './delivery-story.js';
import type { InstalledHookUrls } from './installed-urls.js';
import { HOOK_ID_PATTERN, MAX_TOKEN_LENGTH, hookSecret, openTarget, type HookKeys, type HookTarget } from './seal.js';
import { StoryReads } from './story-reads.js';

/** A wildcard: the sealed token is longer than the router's 100-character limit on a parameter. */
export const WEBHOOK_ROUTE = '/github/webhooks/*';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

export interface GitHubDeliveryOptions {
  keys: HookKeys;
  extensionSecret: string;
  now?: (() => number) | undefined;
  /** GitHub for the installation the hook seals (as the pull calls it): the story's events are read through it. */
  transportFor?: ((q: DeskCall) => Transport) | undefined;
  /** The story's events reads, shared and bounded per installation. */
  storyReads?: StoryReads | undefined;
  /** The URL each hook should carry, as this process's pulls installed it. */
  installed?: InstalledHookUrls | undefined;
  /** The escalation loop: a closed or reopened issue's linked tickets are told at once. */
  escalation?: Escalation | undefined;
}

interface GitHubOpened extends OpenedDelivery {
  target: HookTarget;
}

/**
 * GitHub's deliveries as the delivery path's connector: the hook's secret from the URL's
 * public hook id, the sealed target (installation, repository, settings) opened under this
 * server's key, the event mapped as the pull maps it, the story's events read through the
 * installation's transport, and closed/reopened issues handed to the escalation loop.
 */
export function gitHubDeliveries(o: GitHubDeliveryOptions): DeliveryConnector<GitHubOpened> {
  const now = o.now ?? Date.now;
  const reads = o.storyReads ?? new StoryReads();
  return {
    service: 'GitHub',
    route: WEBHOOK_ROUTE,
    signatureHeader: 'x-hub-signature-256',
    signatureOf: (value) => {
      const hex = SIGNATURE.exec(value)?.[1];
      return hex ? Buffer.from(hex, 'hex') : undefined;
    },
    keyOf: (tail) => hookSecret(o.keys, hookUrl(tail).hid),

    open(d: DeliveryHead, log: DeliveryLog) {
      const { hid, token } = hookUrl(d.tail);
      const target = openTarget(o.keys, hid, token);
      if (!target) throw new AppError('BAD_HOOK_URL', "the hook URL does not open under this server's key");
      const event = header(d, 'x-github-event', /^[a-z_]{1,40}$/);
      const id = header(d, 'x-github-delivery', /^[A-Za-z0-9-]{1,64}$/);
      if (!event || !id) throw new AppError('INVALID_BODY', 'X-GitHub-Event or X-GitHub-Delivery is missing or malformed');
      if (event === 'ping') return { answer: { code: 200, body: { ok: true, event } } };
      // Through an old URL of ours (an admin restored it): its sealed settings are out of date.
      const verdict = o.installed?.judge(hid, token) ?? { take: true };
      if (!verdict.take) {
        if (verdict.firstTime)
          log.warn(
            { delivery: id, event, repo: target.r },
            'delivery through an old URL of our hook (restored on GitHub?): dropped; the next pull brings its items and repairs the hook',
          );
        return { answer: { code: 202, body: { ok: true, ignored: 'an old hook URL: the next pull repairs the hook' } } };
      }
      return { id, who: { orgId: target.o, securityContext: target.s }, event, source: target.r, target };
    },

    map(opened, payload, log) {
      const { target, event } = opened;
      const full = (payload as { repository?: { full_name?: unknown } } | null)?.repository?.full_name;
      if (typeof full !== 'string' || full.toLowerCase() !== target.r)
        throw new AppError('WRONG_REPOSITORY', 'the delivery names another repository than its hook');
      startLoop(o, now, opened, payload, log);
      // A repository only linked issues live in: the loop is all its deliveries are for.
      if (target.e === 1) return { answer: { code: 202, body: { ok: true, ignored: 'escalation only: nothing is imported from this repository' } } };
      const mapped = mapDelivery(event, payload, target, o.extensionSecret);
      if (mapped.kind === 'ignored') return { answer: { code: 202, body: { ok: true, ignored: mapped.why } }, note: `delivery ignored: ${mapped.why}` };
      const { action } = mapped;
      const transportFor = o.transportFor;
      return {
        unit: mapped.unit,
        updatedAt: mapped.updatedAt,
        event: `${event}.${action}`,
        complete:
          transportFor && wantsStory(event, action, target)
            ? async () => withStory(mapped.unit, await storyOf(transportFor, reads, now, opened, mapped.issue, action, log))
            : undefined,
      };
    },
  };
}

/** The hook id and sealed token from the URL's tail, or BAD_HOOK_URL. */
function hookUrl(tail: string): { hid: string; token: string } {
  const [hid = '', token = '', ...more] = tail.split('/');
  if (!HOOK_ID_PATTERN.test(hid) || token.length > MAX_TOKEN_LENGTH || more.length > 0) throw new AppError('BAD_HOOK_URL', 'the hook URL is not one of ours');
  return { hid, token };
}

function header(d: DeliveryHead, name: string, pattern: RegExp): string | undefined {
  const v = d.headers[name];
  return typeof v === 'string' && pattern.test(v) ? v : undefined;
}

/**
 * The delivery's story threads; none when GitHub cannot be read, or when the
 * installation's share of reads is taken (the ticket still goes, the next pull tells them).
 */
async function storyOf(
  transportFor: (q: DeskCall) => Transport,
  reads: StoryReads,
  now: () => number,
  opened: GitHubOpened,
  issue: GhIssue,
  action: string,
  log: DeliveryLog,
): Promise<SyncUnit['threads']> {
  const { target } = opened;
  try {
    const api = new GitHubApi(transportFor(opened.who), now);
    const events = await reads.read(target.o, `${target.r}#${issue.number}@${issue.updatedAt}`, () => lastEvents(api, target.r, issue.number));
    return events ? storyOfEvents(events, target.r, issue, action) : [];
  } catch (err) {
    const code = isAppError(err) ? err.code : 'INTERNAL';
    log.warn({ code, err, delivery: opened.id, repo: target.r }, `story threads of the delivery not read (${code}): the next pull tells them`);
    return [];
  }
}

/** A closed or reopened issue: its linked Desk tickets are told in the background (escalation/loop.ts), whatever the import does. */
function startLoop(o: GitHubDeliveryOptions, now: () => number, opened: GitHubOpened, payload: unknown, log: DeliveryLog): void {
  if (!o.escalation || !o.transportFor || opened.event !== 'issues') return;
  const p = payload as { action?: unknown; repository?: { id?: unknown }; issue?: { number?: unknown } };
  if (p.action !== 'closed' && p.action !== 'reopened') return;
  const repoId = p.repository?.id;
  const number = p.issue?.number;
  if (typeof repoId !== 'number' || !Number.isSafeInteger(repoId) || repoId <= 0 || typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0)
    return;
  const who = opened.who;
  const transportFor = o.transportFor;
  o.escalation.onTransition(
    who,
    { repoId, number },
    () => gitHubIssueSide(new GitHubApi(transportFor(who), now), { secret: o.extensionSecret, orgId: who.orgId, timeoutMs: () => 10_000 }),
    log,
  );
}
