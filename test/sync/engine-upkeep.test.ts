import { expect } from 'chai';
import { enginePull } from '../../server/sync/engine.js';
import { decodeChannelState, MAX_COOL_DOWN_SECONDS } from '../../server/desk/channel-state.js';
import { AppError } from '../../server/errors.js';
import { DirectTransport } from '../../server/transport/direct-transport.js';
import type { Connector } from '../../server/sync/connector.js';
import { jsonFeedConnector } from '../connectors/json-feed/connector.js';
import { startFakeFeed, type FakeFeed } from '../connectors/json-feed/feed-server.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/test-config.js';

/** The JSON-feed connector with an upkeep beside its sync, as GitHub keeps its webhooks. */
function withUpkeep<S, C extends object>(connector: Connector<S, C>, upkeep: () => Promise<Record<string, Record<string, unknown>>>): Connector<S, C> {
  return { ...connector, open: (context) => ({ ...connector.open(context), upkeep }) };
}

describe("The engine's upkeep beside the sync (the seam webhooks use)", () => {
  let feed: FakeFeed;
  const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
  beforeEach(async () => {
    feed = await startFakeFeed({ now: clock.now, pageSize: 3 });
    feed.post('news', 'Hello', '<p>first</p>');
  });
  afterEach(() => feed.close());

  const pull = async (connector: Connector<unknown, object>) => {
    const errors: object[] = [];
    const log = { warn: () => undefined, error: (o: object) => void errors.push(o) };
    const run = enginePull(connector, { limits: testConfig().pull, now: clock.now });
    const answer = await run({ query: { orgId: '1', securityContext: 'x' }, body: { feeds: 'news' }, signal: new AbortController().signal, log });
    return { answer, errors, state: decodeChannelState(answer.sync.channelState).state! };
  };
  const transport = () => new DirectTransport(feed.url, { authorization: `Bearer ${feed.token}` });

  it('stores what the upkeep answers beside each cursor, also for a key that is no longer a source', async () => {
    const { state, answer } = await pull(
      withUpkeep(jsonFeedConnector({ transportFor: transport, secret: testConfig().extensionSecret }), async () => ({
        news: { k: 1 },
        gone: { k: 2 },
      })) as Connector<unknown, object>,
    );
    expect(answer.sync.data.tickets).to.have.length(1);
    expect(state.r.news).to.include({ k: 1 });
    expect(state.r.gone).to.deep.include({ k: 2, s: { n: 0 } });
  });

  it('logs a failing upkeep once and still answers the pull with its items and cursors', async () => {
    const { state, answer, errors } = await pull(
      withUpkeep(jsonFeedConnector({ transportFor: transport, secret: testConfig().extensionSecret }), () => Promise.reject(new Error('boom'))) as Connector<
        unknown,
        object
      >,
    );
    expect(answer.sync.data.tickets).to.have.length(1);
    expect(state.r.news?.s.ok).to.be.a('number');
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ code: 'INTERNAL' });
  });

  it("holds a connector's cool-down to the longest channelState takes, so the state and its cursors stay readable", async () => {
    const tenDays = (connector: Connector<unknown, object>): Connector<unknown, object> => ({
      ...connector,
      open: (context) => {
        const session = connector.open(context);
        return {
          ...session,
          sync: async (...args) => ({
            ...(await session.sync(...args)),
            error: new AppError('UPSTREAM_RATE_LIMITED', 'JSON feed: limited'),
            coolDownUntil: Math.floor(clock.now() / 1000) + 10 * 86_400,
          }),
        };
      },
    });
    const { answer } = await pull(tenDays(jsonFeedConnector({ transportFor: transport, secret: testConfig().extensionSecret }) as Connector<unknown, object>));
    const decoded = decodeChannelState(answer.sync.channelState, clock.now());
    expect(decoded.problem, 'the state reads back').to.equal(undefined);
    expect(decoded.state!.r.news!.s.na).to.equal(Math.floor(clock.now() / 1000) + MAX_COOL_DOWN_SECONDS);
    expect(decoded.state!.r.news).to.have.property('q');
  });
});
