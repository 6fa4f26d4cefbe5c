import { expect } from 'chai';
import type { PullLimits } from '../../server/config.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import type { ConfigParams, SyncObject } from '../../server/desk/wire-types.js';
import type { RequestLog } from '../../server/sync/channel.js';
import type { Connector } from '../../server/sync/connector.js';
import { enginePull } from '../../server/sync/engine.js';
import type { TestClock } from '../helpers/clock.js';

/** A parent item upstream and its replies, by the extIds Desk must end up with. */
export interface Conversation {
  ticket: string;
  threads: string[];
}

/**
 * What the engine's invariant suite needs of a connector and its fake upstream (a real
 * HTTP server on 127.0.0.1). The suite itself is the same for every connector.
 */
export interface EngineHarness {
  clock: TestClock;
  // The suite never looks inside settings or cursors: any connector fits.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  connector: Connector<any, any>;
  /** Good settings naming one source, and settings the connector refuses. */
  params: ConfigParams;
  badParams: ConfigParams;
  /** The source the good settings name, as channelState keys it. */
  source: string;
  /** Creates a parent with `replies` replies upstream, now. */
  converse(replies: number): Promise<Conversation>;
  /** The upstream's next answer fails: unavailable, or rate limited for some seconds. */
  failNext(fault: 'unavailable' | { rateLimitedFor: number }): void;
  upstreamRequests(): number;
  close(): Promise<void>;
}

const LIMITS: PullLimits = { maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 20_000, maxBytes: 5 * 1024 * 1024 };

/** Desk's side: tickets before threads, and a thread refused unless its ticket is there (as Desk refuses the batch). */
class DeskModel {
  state: string | null = null;
  readonly tickets = new Set<string>();
  readonly threads = new Set<string>();
  readonly log: Array<{ level: 'warn' | 'error'; obj: object; msg: string }> = [];

  take(sync: SyncObject, limits: PullLimits): void {
    expect(sync.data.tickets.length, 'tickets within the budget').to.be.at.most(limits.maxTickets);
    expect(sync.data.threads.length, 'threads within the budget').to.be.at.most(limits.maxThreads);
    for (const t of sync.data.tickets) this.tickets.add(t.extId);
    for (const th of sync.data.threads) {
      expect(this.tickets.has(th.extParentId), `thread ${th.extId} after its ticket ${th.extParentId}`).to.equal(true);
      this.threads.add(th.extId);
    }
    this.state = sync.channelState ?? null;
  }
}

export function engineInvariants(name: string, start: () => Promise<EngineHarness>): void {
  describe(`The engine's invariants, with the ${name} connector`, () => {
    let h: EngineHarness;
    let desk: DeskModel;
    beforeEach(async () => {
      h = await start();
      desk = new DeskModel();
    });
    afterEach(() => h.close());

    const requestLog = (): RequestLog => ({
      warn: (obj, msg) => desk.log.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => desk.log.push({ level: 'error', obj, msg }),
    });
    /** One pull as Desk makes it, a little later than the last (past any settle horizon). */
    const pull = async (limits: Partial<PullLimits> = {}, params: ConfigParams = h.params): Promise<SyncObject> => {
      h.clock.advance(10);
      const all = { ...LIMITS, ...limits };
      const answer = await enginePull(h.connector, { limits: all, now: h.clock.now })({
        query: { orgId: '1', securityContext: 'ctx' },
        body: { ...params, channelState: desk.state },
        signal: new AbortController().signal,
        log: requestLog(),
      });
      desk.take(answer.sync, all);
      return answer.sync;
    };
    const pullUntilQuiet = async (limits: Partial<PullLimits> = {}): Promise<number> => {
      for (let n = 1; n <= 60; n++) {
        const sync = await pull(limits);
        if (sync.data.tickets.length + sync.data.threads.length === 0) return n;
      }
      throw new Error('the sync never became quiet');
    };
    const status = () => decodeChannelState(desk.state, h.clock.now(), h.connector.legacyCodes).state?.r[h.source]?.s;
    const expectAll = (conversations: Conversation[]) => {
      for (const c of conversations) {
        expect(desk.tickets.has(c.ticket), c.ticket).to.equal(true);
        for (const t of c.threads) expect(desk.threads.has(t), t).to.equal(true);
      }
    };

    it('loses nothing, sends every thread after its ticket and stays within small budgets, pull after pull', async () => {
      const early = [await h.converse(3), await h.converse(2), await h.converse(4)];
      const pulls = await pullUntilQuiet({ maxTickets: 2, maxThreads: 3 });
      expect(pulls, 'small budgets take several pulls').to.be.greaterThan(2);
      const late = [await h.converse(1), await h.converse(0)];
      await pullUntilQuiet({ maxTickets: 2, maxThreads: 3 });
      expectAll([...early, ...late]);
      expect(status()?.err).to.equal(undefined);
    });

    it('gives every item one extId: pulling again from an old state re-sends the same ones', async () => {
      const c = [await h.converse(2)];
      await pullUntilQuiet();
      const before = { tickets: desk.tickets.size, threads: desk.threads.size };
      desk.state = null;
      await pullUntilQuiet();
      expect({ tickets: desk.tickets.size, threads: desk.threads.size }).to.deep.equal(before);
      expectAll(c);
    });

    it('records an upstream failure, moves no cursor past what it did not send, and resumes', async () => {
      await pullUntilQuiet();
      const c = [await h.converse(2)];
      h.failNext('unavailable');
      const failed = await pull();
      expect(failed.data.tickets.length + failed.data.threads.length).to.equal(0);
      expect(status()?.err?.c).to.equal('UPSTREAM_UNAVAILABLE');
      expect(
        desk.log.some((l) => (l.obj as { code?: string }).code === 'UPSTREAM_UNAVAILABLE'),
        'the failure is logged',
      ).to.equal(true);
      await pullUntilQuiet();
      expectAll(c);
      expect(status()?.err).to.equal(undefined);
    });

    it('obeys a rate limit: a pull during the cool-down calls nobody and keeps the state, then the sync resumes', async () => {
      const c = [await h.converse(1)];
      h.failNext({ rateLimitedFor: 120 });
      await pull();
      const s = status();
      expect(s?.err?.c).to.equal('UPSTREAM_RATE_LIMITED');
      expect(s?.na).to.be.greaterThan(Math.floor(h.clock.now() / 1000));
      const requests = h.upstreamRequests();
      const cursorBefore = JSON.stringify(decodeChannelState(desk.state, h.clock.now()).state?.r[h.source], (k, v) => (k === 's' ? undefined : v));
      await pull();
      expect(h.upstreamRequests(), 'no upstream call during the cool-down').to.equal(requests);
      expect(JSON.stringify(decodeChannelState(desk.state, h.clock.now()).state?.r[h.source], (k, v) => (k === 's' ? undefined : v))).to.equal(cursorBefore);
      h.clock.advance(150);
      await pullUntilQuiet();
      expectAll(c);
    });

    it('records settings it cannot read for the widget, without calling the upstream', async () => {
      const sync = await pull({}, h.badParams);
      expect(h.upstreamRequests()).to.equal(0);
      expect(sync.data.tickets).to.deep.equal([]);
      expect(decodeChannelState(desk.state, h.clock.now())?.state?.err?.c).to.equal('CONFIG_INVALID');
    });

    it('starts over from an unreadable channelState and loses nothing', async () => {
      const c = [await h.converse(2)];
      desk.state = '{"v":1,"at":"not a time"';
      await pullUntilQuiet();
      expectAll(c);
      expect(decodeChannelState(desk.state, h.clock.now()).state).to.not.equal(null);
    });
  });
}
