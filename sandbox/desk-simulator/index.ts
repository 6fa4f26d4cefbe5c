import { DeskStore, type HistoryEntry, type Rejection, type StoredThread, type StoredTicket } from './desk-store.js';
import { handleInvoke, type InvokeLogEntry } from './invoke-endpoint.js';
import { startDeskHttpServer } from './http-server.js';
import { settingsOf, type DeskSimulatorOptions } from './options.js';
import { pullOnce, type PullOutcome } from './pull-cycle.js';
import { PullSchedule } from './pull-schedule.js';
import { pushReply, type AgentReply, type PushOutcome } from './push-reply.js';
import { sendCallback } from './callbacks.js';
import { ShapeDraw } from './shape-draw.js';
import { handleImport, type ImportLogEntry } from './import-endpoint.js';
import { newSecurityContext, rotationDue, type RotationPolicy } from './rotation.js';
import { DeskTicketsApi } from './tickets-api.js';

export type { DeskSimulatorOptions, PullOutcome, PushOutcome, AgentReply, Rejection, InvokeLogEntry, StoredTicket, StoredThread, HistoryEntry };
export { DeskStore };
export { channelUrls } from './options.js';

export interface DeskSimulator {
  /** DESK_API_URL for the channel server: Invoke is POST `${url}/api/v1/invoke?orgId=…`. */
  url: string;
  orgId: string;
  securityContext: string;
  /** What Desk substitutes for `{{installationId}}` in Invoke URLs (§5). */
  installationId: string;
  /** As Desk stores it (§7.1): replaced when a pull or push answer carries it, kept when omitted. Null until the first one. Tests may set it. */
  channelState: string | null;
  /** The installation's non-secure config params; tests may change them between pulls. */
  configParams: Record<string, string>;
  store: DeskStore;
  /** Desk's ticket API (tickets of every channel, search, comments, drafts, fields) as Invoke reaches it. */
  desk: DeskTicketsApi;
  /** POST pullUrl?orgId=…&securityContext=…, body {...configParams, channelState}; validated and applied (§2, §3). Never rejects: a failed pull is an outcome. */
  pullOnce(): Promise<PullOutcome>;
  /** Pulls now and then `everyMs` after each pull ends; no two pulls overlap. */
  startPulling(everyMs: number, onPull?: (o: PullOutcome) => void): void;
  /** Stops the schedule; resolves when a pull in progress has ended. */
  stopPulling(): Promise<void>;
  /** An agent's reply, pushed as Desk does (§4). */
  push(reply: AgentReply): Promise<PushOutcome>;
  /** A lifecycle callback (§9): POST `${callbackUrl}/${event}` with a HASH of the raw body. */
  sendCallback(event: string, extra?: object, opts?: { badHash?: boolean }): Promise<{ status: number; body: unknown }>;
  /** Every Invoke call, refused ones included. */
  invokeLog: InvokeLogEntry[];
  /**
   * While set, asked before each Invoke call: a status it returns is Desk's own failure
   * (a 5xx with Zoho's error body, the target never called); undefined lets the call through.
   */
  invokeFault: (() => number | undefined) | undefined;
  /** Every import call (§5), refused ones included: each is one API credit. */
  importLog: ImportLogEntry[];
  /** While set, import calls wait for it before they are answered (a Desk that hangs). */
  importGate: Promise<void> | undefined;
  /** Import calls waiting at the gate now (a test's signal that an import is in flight). */
  importsHeld: number;
  /** Pulls asked for that wait behind the one in progress (never two at once). */
  readonly pullsWaiting: number;
  /** Gives the installation a new securityContext now; the old one is refused from then on. */
  rotateSecurityContext(): void;
  close(): Promise<void>;
}

/**
 * Plays Zoho Desk for a channel server over real HTTP, as the protocol file documents
 * Desk and refusing what Desk would: it pulls and keeps channelState, stores tickets and
 * threads by extId, pushes agents' replies, sends signed lifecycle callbacks, and serves
 * the Invoke API with HASH checked and connection tokens applied.
 */
export async function startDeskSimulator(o: DeskSimulatorOptions): Promise<DeskSimulator> {
  const s = settingsOf(o);
  const store = new DeskStore();
  const invokeLog: InvokeLogEntry[] = [];
  let pulls = 0;

  const importLog: ImportLogEntry[] = [];
  const now = o.now ?? Date.now;
  const desk = new DeskTicketsApi({
    orgId: s.orgId,
    installationId: s.installationId,
    deskToken: () => s.connections[o.deskConnection ?? 'zohodesk']?.token,
    configParams: () => sim.configParams,
    fromAddresses: o.fromAddresses ?? ['support@example.com'],
    now,
  });
  // A channel ticket is a Desk ticket too: the card can link it to more issues.
  store.onTicketCreated = (id, t) => void desk.createTicket({ id, subject: t.subject ?? '', channel: 'GitHub Issues', description: t.description ?? '' });
  const rotation: { policy: RotationPolicy; at: number } = { policy: o.rotateSecurityContext ?? 'never', at: now() };
  const http = await startDeskHttpServer(
    (url, headers, raw) => {
      const failed = sim.invokeFault?.();
      if (failed !== undefined) {
        invokeLog.push({ at: Date.now(), requestURL: '', requestType: '', connectionLinkName: undefined, hashOk: false, status: failed });
        return Promise.resolve({ status: failed, body: { errorCode: 'INTERNAL_SERVER_ERROR', message: 'Desk simulator: Invoke fault injected' } });
      }
      return handleInvoke(
        {
          secret: s.secret,
          orgId: s.orgId,
          securityContext: sim.securityContext,
          installationId: s.installationId,
          connections: s.connections,
          envelope: s.envelope,
          log: invokeLog,
          targetTimeoutMs: 30_000,
        },
        url,
        headers,
        raw,
      );
    },
    undefined,
    undefined,
    async (installationId, headers, raw) => {
      if (sim.importGate) {
        sim.importsHeld++;
        await sim.importGate.finally(() => sim.importsHeld--);
      }
      return handleImport(
        {
          orgId: s.orgId,
          installationId: s.installationId,
          deskToken: s.connections[o.deskConnection ?? 'zohodesk']?.token,
          caps: s.caps,
          store,
          log: importLog,
          pull: () => pulls,
        },
        installationId,
        headers,
        raw,
      );
    },
    (method, url, headers, raw) => desk.handle(method, url, headers, raw),
  );

  // Desk adds channelState to the installation's params itself (§1.3), so it is always in the body, null until first set.
  const params = (): Record<string, string | null> => ({ ...sim.configParams, channelState: sim.channelState });

  const state = { get: () => sim.channelState, set: (v: string) => void (sim.channelState = v) };
  const shapes = new ShapeDraw(s.shapes, s.shapeSeed);
  const known = { orgId: s.orgId, securityContext: s.securityContext };
  const schedule = new PullSchedule(() => {
    if (rotationDue(rotation, now())) sim.rotateSecurityContext();
    known.securityContext = sim.securityContext;
    const request = shapes.draw('pull', s.channel.pullUrl, { ...known, configParams: params() });
    return pullOnce({
      url: request.url,
      body: request.body,
      shape: request.shape,
      caps: s.caps,
      store,
      pull: ++pulls,
      state,
      timeoutMs: s.answerTimeoutMs,
    });
  });

  const sim: DeskSimulator = {
    url: http.url,
    orgId: s.orgId,
    securityContext: s.securityContext,
    installationId: s.installationId,
    channelState: null,
    configParams: s.configParams,
    store,
    desk,
    invokeLog,
    invokeFault: undefined,
    importLog,
    importGate: undefined,
    importsHeld: 0,
    rotateSecurityContext() {
      sim.securityContext = newSecurityContext();
      rotation.at = now();
    },
    get pullsWaiting() {
      return schedule.waiting;
    },
    pullOnce: () => schedule.once(),
    startPulling: (everyMs, onPull) => schedule.start(everyMs, onPull),
    stopPulling: () => schedule.stop(),
    push: (reply) =>
      pushReply({
        request: shapes.draw('push', s.channel.pushUrl, { ...known, ...replyVars(reply, store), configParams: params() }),
        reply,
        store,
        pull: pulls,
        state,
        timeoutMs: s.answerTimeoutMs,
      }),
    sendCallback: (event, extra = {}, opts = {}) =>
      sendCallback({
        callbackUrl: s.channel.callbackUrl,
        secret: s.secret,
        event,
        orgId: s.orgId,
        securityContext: sim.securityContext,
        extra,
        badHash: opts.badHash ?? false,
      }),
    async close() {
      await schedule.stop();
      await http.close();
    },
  };
  return sim;
}

/**
 * What Desk knows of a reply: the ticket, the agent's text, and a thread of the ticket
 * the agent may have replied to (replyToExtId in some shapes).
 */
function replyVars(reply: AgentReply, store: DeskStore): Record<string, unknown> {
  const threads = [...store.threads.values()].filter((t) => t.object.extParentId === reply.extParentId);
  const thread = threads[threads.length - 1]?.object.extId;
  return { ticket: reply.extParentId, content: reply.content, summary: reply.summary ?? '', ...(thread !== undefined ? { thread } : {}) };
}
