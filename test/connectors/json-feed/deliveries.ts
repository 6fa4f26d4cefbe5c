import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../../server/errors.js';
import type { DeliveryConnector, OpenedDelivery } from '../../../server/deliveries/connector.js';
import type { DeskCall } from '../../../server/desk/normalise.js';
import type { Transport } from '../../../server/transport/transport.js';
import { failure, unitOf } from './connector.js';
import type { FeedEntry } from './feed-server.js';
import { isOwnReply } from './replies.js';

export const FEED_ROUTE = '/feed/webhooks/*';

/**
 * The feed's hooks: the URL's tail seals the installation (org, securityContext) and the
 * feed under a key derived from the extension secret (AES-256-GCM), and the hook's
 * signing secret is an HMAC of that tail, so nothing readable is in the URL and a forged
 * tail has no secret anyone knows.
 */
function keys(secret: string) {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'json-feed-hooks', info, 32));
  return { seal: derive('seal'), sign: derive('sign') };
}

interface Sealed {
  o: string;
  s: string;
  f: string;
}

export function sealHook(secret: string, target: Sealed): { tail: string; secret: string } {
  const k = keys(secret);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', k.seal, iv);
  const data = Buffer.concat([c.update(JSON.stringify(target)), c.final()]);
  const tail = Buffer.concat([iv, c.getAuthTag(), data]).toString('base64url');
  return { tail, secret: createHmac('sha256', k.sign).update(tail).digest('hex') };
}

function openHook(secret: string, tail: string): Sealed | undefined {
  try {
    const raw = Buffer.from(tail, 'base64url');
    const d = createDecipheriv('aes-256-gcm', keys(secret).seal, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    const t = JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as Sealed;
    return typeof t.o === 'string' && typeof t.s === 'string' && typeof t.f === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Each pull keeps this installation's hook on every feed (the feed takes one hook per URL). */
export function hookKeeper(secret: string, publicUrl: string) {
  // One sealed URL per installation and feed for the process's life: a fresh seal per pull would add a hook each time.
  const sealed = new Map<string, { tail: string; secret: string }>();
  return async (transport: Transport, query: DeskCall, feeds: readonly string[]): Promise<void> => {
    for (const feed of feeds) {
      const at = `${query.orgId}\n${query.securityContext}\n${feed}`;
      const hook = sealed.get(at) ?? sealHook(secret, { o: query.orgId, s: query.securityContext, f: feed });
      sealed.set(at, hook);
      const res = await transport.send({
        method: 'POST',
        target: `/feeds/${feed}/hooks`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${publicUrl.replace(/\/$/, '')}${FEED_ROUTE.slice(0, -1)}${hook.tail}`, secret: hook.secret }),
        timeoutMs: 10_000,
      });
      if (res.status >= 300) throw failure(res.status, res.headers['retry-after']);
    }
  };
}

interface FeedOpened extends OpenedDelivery {
  feed: string;
}

/** The feed's deliveries as the delivery path's connector. */
export function feedDeliveries(secret: string): DeliveryConnector<FeedOpened> {
  const signKey = keys(secret).sign;
  return {
    service: 'JSON feed',
    route: FEED_ROUTE,
    signatureHeader: 'x-feed-signature',
    signatureOf: (value) => (/^[0-9a-f]{64}$/.test(value) ? Buffer.from(value, 'hex') : undefined),
    keyOf: (tail) => {
      if (!/^[A-Za-z0-9_-]{40,600}$/.test(tail)) throw new AppError('BAD_HOOK_URL', 'the hook URL is not one of ours');
      return createHmac('sha256', signKey).update(tail).digest('hex');
    },
    open: (d) => {
      const target = openHook(secret, d.tail);
      if (!target) throw new AppError('BAD_HOOK_URL', "the hook URL does not open under this server's key");
      const id = d.headers['x-feed-delivery'];
      if (typeof id !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new AppError('INVALID_BODY', 'x-feed-delivery is missing or malformed');
      return { id, who: { orgId: target.o, securityContext: target.s }, event: 'entry', source: target.f, feed: target.f };
    },
    map: (opened, payload) => {
      const p = payload as { feed?: unknown; entry?: FeedEntry; post?: FeedEntry } | null;
      if (p?.feed !== opened.feed || !p.entry || typeof p.entry.id !== 'string')
        throw new AppError('INVALID_BODY', 'the delivery names another feed than its hook');
      const entry = p.entry;
      if (isOwnReply(secret, opened.who.orgId, opened.feed, entry)) return { answer: { code: 202, body: { ok: true, ignored: 'our own reply' } } };
      const unit = unitOf(opened.feed, entry);
      // The ticket travels with its reply: Desk refuses a thread whose ticket it does not have.
      if (entry.kind === 'reply' && p.post) unit.tickets.push(...unitOf(opened.feed, p.post).tickets);
      return { unit, updatedAt: entry.at };
    },
  };
}
