import { expect } from 'chai';
import { decodeChannelState, encodeChannelState, MAX_STATE_BYTES } from '../../server/desk/channel-state.js';
import type { ChannelState, SourceState } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';
import { slimCursor } from '../../server/connectors/github/cursor.js';
import { MAX_REPOSITORIES } from '../../server/connectors/github/contract.js';

describe('channelState with webhooks: the worst case still fits 4 KB', () => {
  it("ten repositories of the longest names, cursors, figures and hooks: the hooks' records give way before any cursor", () => {
    const now = Math.floor(Date.now() / 1000);
    const r: Record<string, SourceState & RepoCursor> = {};
    // What the engine is given by the GitHub connector to slim a state over its size.
    const slim = (c: Record<string, unknown>, hard: boolean) => slimCursor(c as RepoCursor, hard) as Record<string, unknown>;
    const repo = (state: ChannelState, name: string) => state.r[name] as SourceState & RepoCursor;
    for (let k = 0; k < MAX_REPOSITORIES; k++) {
      const name = `${String(k).padStart(2, '0')}${'o'.repeat(37)}/${'r'.repeat(100)}`;
      r[name] = {
        i: { t: now, a: 9_007_199_254_740 },
        c: { t: now, a: 9_007_199_254_740 },
        u: now,
        e: { i: `W/"${'a'.repeat(64)}"`, c: `W/"${'b'.repeat(64)}"` },
        ev: { h: 9_007_199_254_740, e: `W/"${'c'.repeat(64)}"` },
        w: { i: 9_007_199_254_740, f: 'abcdefghijkl', t: now },
        s: { ok: now, n: 2000, more: true, lag: 86_400, rl: { r: 4999, l: 5000, z: now }, na: now, err: { c: 'UPSTREAM_UNAVAILABLE', t: now, k: 99 } },
      };
    }
    const text = encodeChannelState({ v: 1, at: now, r }, slim);
    expect(Buffer.byteLength(text)).to.be.at.most(MAX_STATE_BYTES);
    const back = decodeChannelState(text).state!;
    for (const name of Object.keys(r)) {
      expect(repo(back, name).w, 'the hook record gave way').to.equal(undefined);
      expect([repo(back, name).i, repo(back, name).c, repo(back, name).ev?.h], 'cursors are never dropped').to.deep.equal([
        r[name]!.i,
        r[name]!.c,
        r[name]!.ev?.h,
      ]);
    }
    // With shorter names the hooks' records stay.
    const short = Object.fromEntries(Object.values(r).map((v, k) => [`acme/r${k}`, v]));
    expect(repo(decodeChannelState(encodeChannelState({ v: 1, at: now, r: short }, slim)).state!, 'acme/r0').w).to.deep.equal(r[Object.keys(r)[0]!]!.w);
  });
});
