import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { validators, describeErrors } from '../../desk/schemas.js';
import type { SyncObject } from '../../desk/wire-types.js';
import { DeskStore, type Rejection } from './desk-store.js';
import { handleInvoke, type InvokeLogEntry } from './invoke-endpoint.js';
import { bodyHash } from './invoke-hash.js';

export type { Rejection, InvokeLogEntry };
export { DeskStore };

export interface DeskSimulatorOptions {
  secret: string;
  orgId?: string;
  securityContext?: string;
  channel: { pullUrl: string; pushUrl: string; callbackUrl?: string };
  configParams?: Record<string, string>;
  connections?: Record<string, { token: string }>;
  invokeEnvelope?: { includeStatus?: boolean; includeHeaders?: boolean; statusMessageAs?: 'object' | 'string' };
  maxTickets?: number;
  maxThreads?: number;
}

export interface PullOutcome {
  status: number;
  ok: boolean;
  tickets: number;
  threads: number;
  created: number;
  updated: number;
  rejected: Rejection[];
  bytes: number;
  ms: number;
  channelState: string | null;
  body?: unknown;
}

export interface PushOutcome {
  status: number;
  ok: boolean;
  body: unknown;
  rejected?: Rejection;
}

export interface DeskSimulator {
  url: string;
  orgId: string;
  securityContext: string;
  channelState: string | null;
  configParams: Record<string, string>;
  store: DeskStore;
  pullOnce(): Promise<PullOutcome>;
  startPulling(everyMs: number, onPull?: (o: PullOutcome) => void): void;
  stopPulling(): Promise<void>;
  push(reply: { extParentId: string; content: string; summary?: string; replyToExtId?: string }): Promise<PushOutcome>;
  sendCallback(event: string, extra?: object, opts?: { badHash?: boolean }): Promise<{ status: number; body: unknown }>;
  invokeLog: InvokeLogEntry[];
  close(): Promise<void>;
}

/**
 * Plays Zoho Desk for a channel server, as the protocol file describes it: pulls on a
 * schedule and keeps channelState the way Desk does, stores tickets and threads by
 * extId and refuses what Desk would, sends agent replies and lifecycle callbacks, and
 * serves the Invoke API with HASH checked and connection tokens applied.
 */
export async function startDeskSimulator(o: DeskSimulatorOptions): Promise<DeskSimulator> {
  const orgId = o.orgId ?? '60012345';
  const securityContext = o.securityContext ?? randomBytes(24).toString('hex');
  const caps = { tickets: o.maxTickets ?? 1000, threads: o.maxThreads ?? 1000 };
  const store = new DeskStore();
  const invokeLog: InvokeLogEntry[] = [];
  let pulls = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://desk');
      let out: { status: number; body: unknown };
      if (req.method === 'POST' && url.pathname === '/api/v1/invoke') {
        out = await handleInvoke(
          {
            secret: o.secret,
            orgId,
            securityContext: () => securityContext,
            connections: o.connections ?? {},
            envelope: { includeStatus: o.invokeEnvelope?.includeStatus ?? true, includeHeaders: o.invokeEnvelope?.includeHeaders ?? true, statusMessageAs: o.invokeEnvelope?.statusMessageAs ?? 'object' },
            log: invokeLog,
          },
          url,
          req,
          Buffer.concat(chunks).toString('utf8'),
        );
      } else {
        out = { status: 404, body: { errorCode: 'URL_NOT_FOUND', message: 'The simulator serves POST /api/v1/invoke only' } };
      }
      const text = JSON.stringify(out.body);
      res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const withQuery = (u: string) => `${u}${u.includes('?') ? '&' : '?'}orgId=${orgId}&securityContext=${encodeURIComponent(securityContext)}`;

  const sim: DeskSimulator = {
    url: `http://127.0.0.1:${port}`,
    orgId,
    securityContext,
    channelState: null,
    configParams: { ...(o.configParams ?? {}) },
    store,
    invokeLog,

    async pullOnce(): Promise<PullOutcome> {
      const pull = ++pulls;
      const started = performance.now();
      const body = { ...sim.configParams, ...(sim.channelState !== null ? { channelState: sim.channelState } : {}) };
      const res = await fetch(withQuery(o.channel.pullUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      const outcome: PullOutcome = { status: res.status, ok: false, tickets: 0, threads: 0, created: 0, updated: 0, rejected: [], bytes: Buffer.byteLength(text), ms: 0, channelState: sim.channelState };
      const refuse = (r: Rejection) => {
        store.rejections.push(r);
        outcome.rejected.push(r);
        outcome.ms = performance.now() - started;
        return outcome;
      };
      if (res.status !== 200) return refuse({ reason: 'http_status', detail: `${res.status}: ${text.slice(0, 200)}` });
      if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return refuse({ reason: 'content_type', detail: res.headers.get('content-type') ?? '(none)' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return refuse({ reason: 'not_json', detail: text.slice(0, 100) });
      }
      outcome.body = parsed;
      if (!validators.sync(parsed)) return refuse({ reason: 'schema', detail: describeErrors('response', validators.sync.errors) });
      const sync = parsed as SyncObject;
      outcome.tickets = sync.data.tickets.length;
      outcome.threads = sync.data.threads.length;
      const applied = store.apply(sync, pull, caps);
      if (applied.rejection) {
        outcome.rejected.push(applied.rejection);
        outcome.ms = performance.now() - started;
        return outcome;
      }
      // Desk keeps the stored value when the answer leaves channelState out (§7.1).
      if (typeof sync.channelState === 'string') sim.channelState = sync.channelState;
      Object.assign(outcome, { ok: true, created: applied.created, updated: applied.updated, channelState: sim.channelState, ms: performance.now() - started });
      return outcome;
    },

    startPulling(everyMs, onPull) {
      stopped = false;
      const loop = () => {
        if (stopped) return;
        running = sim
          .pullOnce()
          .then((out) => onPull?.(out))
          .catch((err: unknown) => onPull?.({ status: 0, ok: false, tickets: 0, threads: 0, created: 0, updated: 0, rejected: [{ reason: 'http_status', detail: String(err) }], bytes: 0, ms: 0, channelState: sim.channelState }))
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, everyMs);
          });
      };
      loop();
    },

    async stopPulling() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },

    async push(reply) {
      const body = { configParams: { ...sim.configParams, ...(sim.channelState !== null ? { channelState: sim.channelState } : {}) }, resource: reply };
      const res = await fetch(withQuery(o.channel.pushUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      if (res.status !== 200) return { status: res.status, ok: false, body: parsed };
      if (!validators.pushResponse(parsed)) {
        const rejected: Rejection = { reason: 'push_invalid', detail: describeErrors('response', validators.pushResponse.errors) };
        store.rejections.push(rejected);
        return { status: res.status, ok: false, body: parsed, rejected };
      }
      store.recordReply(parsed, pulls);
      return { status: res.status, ok: true, body: parsed };
    },

    async sendCallback(event, extra = {}, opts = {}) {
      if (!o.channel.callbackUrl) throw new Error('no callbackUrl given to the simulator');
      const raw = JSON.stringify({ event, orgId: Number(orgId), securityContext, ...extra });
      const hash = opts.badHash ? bodyHash('not-the-secret', raw) : bodyHash(o.secret, raw);
      const res = await fetch(`${o.channel.callbackUrl}/${event}`, { method: 'POST', headers: { 'content-type': 'application/json', hash }, body: raw });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      return { status: res.status, body };
    },

    async close() {
      await sim.stopPulling();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return sim;
}
