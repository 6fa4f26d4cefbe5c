import { expect } from 'chai';
import { channelUrls, startDeskSimulator, type DeskSimulator } from '../../sandbox/desk-simulator/index.js';
import { freePort } from '../../sandbox/free-port.js';
import { createConnector } from '../../server/channel-factory.js';
import type { ConnectorModule } from '../../server/connectors/module.js';
import { isAnswer } from '../../server/deliveries/connector.js';
import { AppError } from '../../server/errors.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { TestClock } from '../helpers/clock.js';
import { LogCapture } from '../helpers/log-capture.js';
import { SENTINEL, testConfig } from '../helpers/test-config.js';
import type { Conversation } from './engine-invariants.js';

const DESK_TOKEN = 'SENTINEL_desk_oauth_token_inv';

/**
 * What the channel's invariant suite needs of a connector: its module (the registry's
 * interface) and its fake upstream, a real HTTP server on 127.0.0.1 that sends signed
 * deliveries to the hooks the connector keeps. The suite runs the real server and the
 * Desk simulator; it is the same for every connector.
 */
export interface ChannelHarness {
  module: ConnectorModule;
  clock: TestClock;
  upstreamUrl: string;
  /** The Invoke connection the upstream is called through, and its token. */
  connection: { name: string; token: string };
  /** Good settings naming one source. */
  params: Record<string, string>;
  /** Creates a parent with `replies` replies upstream, now. */
  converse(replies: number): Promise<Conversation>;
  /** Deliveries the upstream sent to hooks (request and the status answered). */
  deliveries(): ReadonlyArray<{ url: string; headers: Record<string, string>; body: string; status: number }>;
  /** Resolves when every delivery sent so far has been answered. */
  delivered(): Promise<void>;
  /** Replies upstream under this ticket whose text contains `text`. */
  repliesUpstream(ticket: string, text: string): number;
  /** Posts of replies the upstream has received (GitHub: comment POSTs; the feed: entry POSTs). */
  replyPosts(): number;
  close(): Promise<void>;
}

export function channelInvariants(name: string, start: () => Promise<ChannelHarness>): void {
  describe(`The channel's invariants (deliveries, replies), with the ${name} connector`, () => {
    let h: ChannelHarness;
    let desk: DeskSimulator;
    let server: RunningServer;
    const log = new LogCapture();
    /** Set by a test: the next mapped delivery's completion (its reads before the import) fails. */
    let failNextCompletion = false;
    /** The connector's module, with its deliveries' completions failing on demand. */
    const failing = (m: ConnectorModule): ConnectorModule => ({
      ...m,
      create(config, deps) {
        const parts = m.create(config, deps);
        const d = parts.deliveries;
        if (!d) return parts;
        return {
          ...parts,
          deliveries: {
            ...d,
            map(opened, payload, dlog) {
              const mapped = d.map(opened, payload, dlog);
              if (isAnswer(mapped) || !failNextCompletion) return mapped;
              failNextCompletion = false;
              return { ...mapped, complete: () => Promise.reject(new AppError('UPSTREAM_UNAVAILABLE', 'completion failed (test)')) };
            },
          },
        };
      },
    });
    beforeEach(async () => {
      failNextCompletion = false;
      h = await start();
      const port = await freePort();
      const serverUrl = `http://127.0.0.1:${port}`;
      desk = await startDeskSimulator({
        secret: SENTINEL.secret,
        securityContext: SENTINEL.securityContext,
        channel: channelUrls(serverUrl),
        configParams: h.params,
        connections: { [h.connection.name]: { token: h.connection.token }, zohodesk: { token: DESK_TOKEN } },
        now: h.clock.now,
      });
      const config = testConfig({
        port,
        transport: 'invoke',
        connector: h.module.name,
        upstream: { apiUrl: h.upstreamUrl, token: undefined, connection: h.connection.name },
        deskApiUrl: desk.url,
        publicUrl: serverUrl,
        deskConnection: 'zohodesk',
      });
      server = await startServer(config, {
        ...createConnector(config, { now: h.clock.now, module: failing(h.module) }),
        logDestination: log,
        checkResponses: true,
        webhooks: { now: h.clock.now },
      });
    });
    afterEach(async () => {
      await desk.close();
      await server.close();
      await h.close();
    });

    const pullUntilQuiet = async (): Promise<void> => {
      for (let i = 0; i < 30; i++) {
        h.clock.advance(10);
        const out = await desk.pullOnce();
        expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
        if (out.tickets + out.threads === 0) return;
      }
      throw new Error('the sync never became quiet');
    };
    const settled = async (): Promise<void> => {
      await h.delivered();
      await server.webhooks!.coalescer.idle();
    };
    const inDesk = (c: Conversation) => ({
      ticket: desk.store.tickets.has(c.ticket),
      threads: c.threads.filter((t) => desk.store.threads.has(t)).length,
    });

    it('takes a conversation in through deliveries without a pull; a redelivery imports nothing more, a forged one is refused, the next pull changes nothing', async () => {
      await pullUntilQuiet(); // keeps the hooks
      const c = await h.converse(2);
      await settled();
      const sent = h.deliveries();
      expect(sent.length, 'the upstream delivered').to.be.greaterThan(0);
      expect(
        sent.every((d) => d.status >= 200 && d.status < 300),
        JSON.stringify(sent.map((d) => d.status)),
      ).to.equal(true);
      expect(inDesk(c), 'imported without a pull').to.deep.equal({ ticket: true, threads: c.threads.length });
      const imports = desk.importLog.length;

      const last = sent.at(-1)!;
      const again = await fetch(last.url, { method: 'POST', headers: last.headers, body: last.body });
      expect(again.status, 'a redelivery').to.equal(200);
      expect(((await again.json()) as { duplicate?: boolean }).duplicate).to.equal(true);
      const forged = await fetch(last.url, { method: 'POST', headers: last.headers, body: last.body.replace(/.$/, ' }') });
      expect(forged.status, 'a body that does not match its signature').to.equal(401);
      await server.webhooks!.coalescer.idle();
      expect(desk.importLog.length, 'no import for either').to.equal(imports);

      const before = { tickets: desk.store.tickets.size, threads: desk.store.threads.size };
      await pullUntilQuiet();
      expect({ tickets: desk.store.tickets.size, threads: desk.store.threads.size }, 'the pull sends the same extIds').to.deep.equal(before);
    });

    it('forgets a delivery nothing was queued for: its redelivery imports', async () => {
      await pullUntilQuiet(); // keeps the hooks
      failNextCompletion = true;
      const c = await h.converse(0);
      await settled();
      const failed = h.deliveries().at(-1)!;
      expect(failed.status, 'the failed delivery is answered with its error').to.be.at.least(500);
      expect(desk.store.tickets.has(c.ticket), 'nothing imported').to.equal(false);
      const again = await fetch(failed.url, { method: 'POST', headers: failed.headers, body: failed.body });
      expect(again.status, "the upstream's redelivery is taken, not answered as a duplicate").to.equal(202);
      await server.webhooks!.coalescer.idle();
      expect(desk.store.tickets.has(c.ticket), 'imported by the redelivery').to.equal(true);
    });

    it("posts an agent's reply once upstream, whatever Desk's retries and concurrent pushes do, and never imports it back", async () => {
      const c = await h.converse(0);
      await pullUntilQuiet();
      await settled();
      const text = 'We found the cause: fixed in the next release';
      const reply = { extParentId: c.ticket, content: `<p>${text}</p>` };
      const posts = h.replyPosts();
      const answers = [...(await Promise.all([desk.push(reply), desk.push(reply)])), await desk.push(reply)];
      for (const a of answers) expect(a.ok, JSON.stringify(a.body)).to.equal(true);
      const ids = new Set(answers.map((a) => (a.body as { extId?: string }).extId));
      expect(ids.size, 'every answer names the same thread').to.equal(1);
      await settled();
      expect(h.repliesUpstream(c.ticket, text), 'one reply upstream').to.equal(1);
      expect(h.replyPosts() - posts, 'identical pushes: one upstream POST (invariant 6)').to.equal(1);
      const threads = desk.store.threads.size;
      await pullUntilQuiet();
      await settled();
      expect(desk.store.threads.size, 'nothing of it imported back').to.equal(threads);
    });
  });
}
