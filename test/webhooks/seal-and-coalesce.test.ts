import { expect } from 'chai';
import fc from 'fast-check';
import { hookId, hookKeys, hookSecret, openTarget, sealTarget } from '../../server/connectors/github/webhooks/seal.js';
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { DOOR_LIMITS, readSigned } from '../../server/deliveries/door.js';
import { InstalledHookUrls } from '../../server/connectors/github/webhooks/installed-urls.js';
import { ImportCoalescer, IMPORT_MAX_ITEMS } from '../../server/deliveries/coalescer.js';
import type { SyncObject, SyncThread, SyncTicket } from '../../server/desk/wire-types.js';

const keys = hookKeys('SENTINEL-extension-secret-7f3a9c');

describe('Hook URLs: sealed, bound to their hook id, deterministic', () => {
  it('opens what it sealed, and nothing altered in any byte', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 80 }), fc.nat(1000), (org, ctx, n) => {
        const target = { o: org, s: ctx, r: `acme/r${n}` };
        const { id, token } = sealTarget(keys, target);
        expect(openTarget(keys, id, token)).to.deep.equal(target);
        expect(sealTarget(keys, target).token, 'the same target gives the same URL').to.equal(token);
        const raw = Buffer.from(token, 'base64url');
        const at = n % raw.length;
        raw[at] = raw[at]! ^ 1;
        expect(openTarget(keys, id, raw.toString('base64url'))).to.equal(undefined);
        expect(openTarget(hookKeys('another-secret-of-32-characters!!'), id, token), 'another server secret').to.equal(undefined);
      }),
      { numRuns: 200 },
    );
  });
  it('reveals neither org nor securityContext, and derives one secret per installation and repository', () => {
    const { id, token } = sealTarget(keys, { o: '60012345', s: 'SENTINEL-security-context-91d4', r: 'acme/widgets' });
    expect(`${id}/${token}`).to.not.match(/60012345|SENTINEL|acme|widgets/);
    expect(Buffer.from(token, 'base64url').toString('latin1')).to.not.match(/60012345|SENTINEL|acme/);
    const a = hookSecret(keys, hookId(keys, '1', 'acme/widgets'));
    expect(hookSecret(keys, hookId(keys, '1', 'acme/gadgets'))).to.not.equal(a);
    expect(hookSecret(keys, hookId(keys, '2', 'acme/widgets'))).to.not.equal(a);
    expect(hookId(keys, '1', 'acme/widgets'), 'stable across securityContexts').to.equal(sealTarget(keys, { o: '1', s: 'other', r: 'acme/widgets' }).id);
  });
  it('checks X-Hub-Signature-256 exactly, over the body as it streams in chunks', async () => {
    const body = Buffer.from('{"a":1,"text":"' + 'x'.repeat(5000) + '"}');
    const sign = (secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const H = 'x-hub-signature-256';
    const sig = (header: string): Buffer => Buffer.from(header.slice(7), 'hex');
    const chunked = (): Readable => Readable.from([body.subarray(0, 7), body.subarray(7, 4000), body.subarray(4000)]);
    expect((await readSigned(chunked(), 's', sig(sign('s')), DOOR_LIMITS, H)).equals(body)).to.equal(true);
    for (const bad of [sign('t'), `sha256=${'0'.repeat(64)}`, sign('s').slice(0, -2) + '00']) {
      const err = await readSigned(chunked(), 's', sig(bad), DOOR_LIMITS, H).catch((e: { code: string }) => e);
      expect((err as { code: string }).code, bad).to.equal('BAD_SIGNATURE');
    }
    const tooBig = await readSigned(chunked(), 's', sig(sign('s')), { ...DOOR_LIMITS, maxBodyBytes: 4096 }, H).catch((e: { code: string }) => e);
    expect((tooBig as { code: string }).code).to.equal('BODY_TOO_LARGE');
  });
});

const ticket = (n: number, t = '2026-06-01T00:00:00.000Z'): SyncTicket => ({
  extId: `acme/w:${n}`,
  subject: `#${n}`,
  createdTime: t,
  modifiedTime: t,
  actor: { extId: 'gh-user:1', name: 'o' },
});
const thread = (n: number, c: number, t = '2026-06-01T00:00:00.000Z'): SyncThread => ({
  extId: `acme/w:c${c}`,
  extParentId: `acme/w:${n}`,
  createdTime: t,
  modifiedTime: t,
  content: `c${c}`,
  contentType: 'text/html',
  direction: 'in',
  canReply: true,
  actor: { extId: 'gh-user:1', name: 'o' },
});

describe('Coalescing deliveries into imports', () => {
  it('keeps one import in flight per installation, within Desk’s 1000 + 1000, parent first in every call', async () => {
    const sent: SyncObject[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const c = new ImportCoalescer({
      windowMs: 1,
      maxBytes: 50 * 1024 * 1024,
      send: async (_who, sync) => {
        sent.push(sync);
        if (sent.length === 1) await first;
      },
    });
    const who = { orgId: '1', securityContext: 'x' };
    c.add(who, { tickets: [ticket(0)], threads: [thread(0, 0)] }, { id: 'd0', event: 'e', source: 'r', receivedAt: 0 });
    while (sent.length === 0) await new Promise((r) => setImmediate(r));
    // While the first import is in flight, 2,500 comment deliveries on 10 issues arrive.
    for (let i = 1; i <= 2500; i++)
      c.add(who, { tickets: [ticket(i % 10)], threads: [thread(i % 10, i)] }, { id: `d${i}`, event: 'e', source: 'r', receivedAt: 0 });
    release();
    await c.idle();
    expect(sent.length, 'one waiting import, split at the cap').to.equal(4);
    for (const s of sent) {
      expect(s.data.threads.length).to.be.at.most(IMPORT_MAX_ITEMS);
      const tickets = new Set(s.data.tickets.map((t) => t.extId));
      for (const th of s.data.threads) expect(tickets.has(th.extParentId), th.extId).to.equal(true);
    }
    expect(sent.reduce((n, s) => n + s.data.threads.length, 0)).to.equal(2501);
  });
  it('never replaces a newer item with an older one that arrives later', async () => {
    const sent: SyncObject[] = [];
    const c = new ImportCoalescer({ windowMs: 1, maxBytes: 1e6, send: async (_w, s) => void sent.push(s) });
    const who = { orgId: '1', securityContext: 'x' };
    c.add(
      who,
      { tickets: [ticket(1, '2026-06-01T00:00:09.000Z')], threads: [thread(1, 1, '2026-06-01T00:00:09.000Z')] },
      { id: 'a', event: 'e', source: 'r', receivedAt: 0 },
    );
    await c.idle();
    c.add(
      who,
      { tickets: [ticket(1, '2026-06-01T00:00:05.000Z')], threads: [thread(1, 1, '2026-06-01T00:00:05.000Z')] },
      { id: 'b', event: 'e', source: 'r', receivedAt: 0 },
    );
    await c.idle();
    expect(sent.length, 'the older version is dropped: no call at all').to.equal(1);
  });
  it('follows a pull: its answer carries the newer copy imports sent while it was read, and what left after the answer goes again once it is written', async () => {
    const sent: SyncObject[] = [];
    const c = new ImportCoalescer({ windowMs: 1, maxBytes: 1e6, send: async (_w, s) => void sent.push(s) });
    const who = { orgId: '1', securityContext: 'x' };
    const at = (s: number) => `2026-06-01T00:00:0${s}.000Z`;
    const older = { channelState: 's', data: { tickets: [ticket(1, at(1)), ticket(2, at(1))], threads: [thread(1, 1, at(1))] } };
    // The pull has read GitHub (version 1 of everything); an import of ticket 1's comment at version 5 leaves.
    const pull = c.pullBegins('1');
    c.add(who, { tickets: [ticket(1, at(1))], threads: [thread(1, 1, at(5))] }, { id: 'a', event: 'e', source: 'r', receivedAt: 0 });
    await c.idle();
    const answer = pull.answer(older);
    expect(
      answer?.data.threads!.map((t) => t.modifiedTime),
      'the newer comment replaces the older in the answer',
    ).to.deep.equal([at(5)]);
    expect(answer?.data.tickets!.map((t) => t.modifiedTime)).to.deep.equal([at(1), at(1)]);
    expect(pull.answer({ channelState: 's', data: { tickets: [ticket(2, at(1))], threads: [] } }), 'nothing overtaken: no copy').to.equal(undefined);
    // After the answer left, before it is written: ticket 2 at version 7 is imported.
    c.add(who, { tickets: [ticket(2, at(7))], threads: [] }, { id: 'b', event: 'e', source: 'r', receivedAt: 0 });
    await c.idle();
    expect(sent.length).to.equal(2);
    expect(pull.written(answer), 'ticket 2 goes again, after the answer that carried its version 1').to.deep.equal({ resent: 1, refused: 0 });
    await c.idle();
    expect(sent.length).to.equal(3);
    expect(sent[2]!.data.tickets.map((t) => [t.extId, t.modifiedTime])).to.deep.equal([['acme/w:2', at(7)]]);
    expect(pull.written(answer), 'once').to.deep.equal({ resent: 0, refused: 0 });
    // With no pull in flight nothing is kept.
    c.add(who, { tickets: [ticket(3, at(8))], threads: [] }, { id: 'c', event: 'e', source: 'r', receivedAt: 0 });
    await c.idle();
    const later = c.pullBegins('1');
    expect(later.answer({ channelState: 's', data: { tickets: [ticket(3, at(1))], threads: [] } })).to.equal(undefined);
    expect(later.written(undefined)).to.deep.equal({ resent: 0, refused: 0 });
  });
});

describe('The hook URLs pulls installed', () => {
  it('take the installed URL, the one it replaced for a minute, and any when none is known; an old one marks the hook for repair once', () => {
    let now = 0;
    const urls = new InstalledHookUrls(() => now);
    expect(urls.judge('h', 'a'), 'nothing known here (a replica that has not pulled)').to.deep.equal({ take: true });
    urls.installed('h', 'a');
    urls.installed('h', 'b');
    expect(urls.judge('h', 'b')).to.deep.equal({ take: true });
    now = 59_000;
    expect(urls.judge('h', 'a'), 'sent before the change').to.deep.equal({ take: true });
    now = 61_000;
    expect(urls.judge('h', 'a')).to.deep.equal({ take: false, firstTime: true });
    expect(urls.judge('h', 'z')).to.deep.equal({ take: false, firstTime: false });
    expect(urls.needsRepair('h')).to.equal(true);
    urls.installed('h', 'b');
    expect(urls.needsRepair('h'), 'repaired by the pull').to.equal(false);
    expect(urls.judge('h', 'a')).to.deep.equal({ take: false, firstTime: true });
  });
});

describe('Story reads', () => {
  it('share identical reads, admit two per installation at once, and skip the rest; after a rate limit, none until its reset', async () => {
    const { StoryReads } = await import('../../server/connectors/github/webhooks/story-reads.js');
    const outcomes: string[] = [];
    let now = 0;
    const reads = new StoryReads(
      2,
      () => now,
      (o) => outcomes.push(o),
    );
    const gates: Array<() => void> = [];
    const held = () => new Promise<unknown[]>((r) => gates.push(() => r([{ id: 1 }])));
    const a = reads.read('org1', 'i1', held);
    const b = reads.read('org1', 'i1', held);
    const c = reads.read('org1', 'i2', held);
    const d = reads.read('org1', 'i3', held);
    const other = reads.read('org2', 'i3', held);
    expect(await d).to.equal(undefined);
    expect(gates, 'requests made').to.have.length(3);
    for (const g of gates) g();
    expect(await a).to.deep.equal([{ id: 1 }]);
    expect(await b).to.deep.equal([{ id: 1 }]);
    await c;
    await other;
    expect(outcomes).to.deep.equal(['read', 'shared', 'read', 'skipped', 'read']);
    const { AppError } = await import('../../server/errors.js');
    await reads.read('org1', 'i4', () => Promise.reject(new AppError('UPSTREAM_RATE_LIMITED', 'x', { retryAfter: 30 }))).catch(() => undefined);
    expect(await reads.read('org1', 'i5', held)).to.equal(undefined);
    now += 31_000;
    const after = reads.read('org1', 'i6', held);
    gates.at(-1)!();
    expect(await after).to.deep.equal([{ id: 1 }]);
  });
});

describe('The form-encoded size of an import item', () => {
  it('counts exactly what URLSearchParams writes, for any text (ASCII, accents, astral characters, lone surrogates)', async () => {
    const fc = (await import('fast-check')).default;
    const { formEncodedBytes } = await import('../../server/deliveries/coalescer.js');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(formEncodedBytes(text)).to.equal(new URLSearchParams({ p: text }).toString().length - 2);
      }),
      { numRuns: 2000 },
    );
    expect(formEncodedBytes('{"a":"é😀 x"}')).to.equal(new URLSearchParams({ p: '{"a":"é😀 x"}' }).toString().length - 2);
  });
});
