import { expect } from 'chai';
import { MemoryClaimStore, RedisClaimStore, type ClaimStore } from '../../server/claims/index.js';
import { awaitClaimedReply, releaseReplyClaim } from '../../server/claims/reply-claim.js';
import { RespClient } from '../../server/claims/resp-client.js';
import { startRedis } from '../helpers/processes.js';

describe('Claim stores for replies', function () {
  this.timeout(20_000);
  let redis: Awaited<ReturnType<typeof startRedis>>;
  before(async () => (redis = await startRedis({ password: 'claims-test-pass/1' })));
  after(async () => redis?.stop());

  const stores: Array<[string, () => ClaimStore[]]> = [
    [
      'in memory',
      () => {
        const s = new MemoryClaimStore();
        return [s, s];
      },
    ],
    ['in Redis (two replicas, one server)', () => [new RedisClaimStore(new URL(redis.url)), new RedisClaimStore(new URL(redis.url))]],
  ];
  for (const [name, make] of stores) {
    describe(name, () => {
      it('gives a key to the first claimant only, until it releases it; another cannot release it', async () => {
        const [a, b] = make() as [ClaimStore, ClaimStore];
        const key = `k-${Math.random()}`;
        expect(await a.claim(key, 60_000)).to.equal(true);
        expect(await b.claim(key, 60_000)).to.equal(false);
        if (a !== b) {
          await b.release(key);
          expect(await b.claim(key, 60_000)).to.equal(false);
        }
        await a.release(key);
        expect(await b.claim(key, 60_000)).to.equal(true);
        await a.close();
        await b.close();
      });

      it("a push that lost the claim answers with the winner's comment; when the winner gives up, it posts itself", async () => {
        const [a, b] = make() as [ClaimStore, ClaimStore];
        const github: { comment?: string } = {};
        expect(await awaitClaimedReply(a, 'reply-1', async () => github.comment)).to.equal(undefined);
        const loser = awaitClaimedReply(b, 'reply-1', async () => github.comment);
        github.comment = "the winner's comment";
        expect(await loser).to.equal("the winner's comment");

        expect(await awaitClaimedReply(a, 'reply-2', async () => undefined)).to.equal(undefined);
        const taker = awaitClaimedReply(b, 'reply-2', async () => undefined);
        await releaseReplyClaim(a, 'reply-2');
        expect(await taker).to.equal(undefined);
        await a.close();
        await b.close();
      });
    });
  }

  it('Redis claims expire with their TTL, so a crashed claimant does not block a reply forever', async () => {
    const store = new RedisClaimStore(new URL(redis.url));
    expect(await store.claim('ttl-key', 30_000)).to.equal(true);
    const client = new RespClient(new URL(redis.url));
    const ttl = Number(await client.command('PTTL', 'desk-channel:claim:ttl-key'));
    expect(ttl).to.be.within(1, 30_000);
    await client.close();
    await store.close();
  });

  it('a Redis that refuses or cannot be reached fails the claim, and the reply goes ahead (the marker settles it)', async () => {
    const wrong = new RedisClaimStore(new URL(redis.url.replace('claims-test-pass', 'wrong')));
    const refusal = await wrong.claim('x', 1000).then(
      () => 'claimed',
      (e: Error) => e.message,
    );
    expect(refusal).to.match(/^redis: WRONGPASS/);
    expect(await awaitClaimedReply(wrong, 'x', async () => 'never looked')).to.equal(undefined);
    await wrong.close();
    const gone = new RedisClaimStore(new URL('redis://127.0.0.1:9'), 500);
    expect(
      await gone.claim('x', 1000).then(
        () => 'claimed',
        () => 'failed',
      ),
    ).to.equal('failed');
    await gone.close();
  });

  it('the RESP client reconnects after the connection drops', async () => {
    const client = new RespClient(new URL(redis.url));
    expect(await client.command('PING')).to.equal('PONG');
    await client.command('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
    let answer: unknown;
    for (let i = 0; i < 3 && answer !== 'PONG'; i++) answer = await client.command('PING').catch(() => undefined);
    expect(answer).to.equal('PONG');
    expect(await client.command('SET', 'bulk', 'é\r\nx')).to.equal('OK');
    expect(await client.command('GET', 'bulk')).to.equal('é\r\nx');
    expect(await client.command('GET', 'missing')).to.equal(null);
    await client.close();
  });
});
