import { expect } from 'chai';
import fc from 'fast-check';
import { startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import type { DeliveryLogEntry } from '../../sandbox/fake-github/hooks.js';

const REPO = 'acme/widgets';

type Op =
  | { kind: 'issue'; lost: boolean }
  | { kind: 'comment'; on: number; lost: boolean }
  | { kind: 'edit'; which: number; lost: boolean }
  | { kind: 'redeliver' }
  | { kind: 'swap' }
  | { kind: 'tick'; seconds: number }
  | { kind: 'pull' }
  | { kind: 'replay'; back: number }
  | { kind: 'overtake'; which: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('issue' as const), lost: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('comment' as const), on: fc.nat(), lost: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), which: fc.nat(), lost: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'redeliver' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'swap' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 3 }) }) },
  // A pull between deliveries, and an older delivery replayed (delayed, or an attacker's copy within the hour).
  { weight: 2, arbitrary: fc.constant({ kind: 'pull' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.nat() }) },
  // A pull reads the comments, and a newer edit is delivered and imported before its answer leaves.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('overtake' as const), which: fc.nat() }) },
);

async function redeliver(d: DeliveryLogEntry): Promise<number> {
  const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Whatever GitHub does with its deliveries (loses them, sends one twice, sends two in
 * the wrong order, one arrives late after a pull), Desk ends equal to GitHub once the
 * pulls have run: nothing lost, nothing created twice, nothing refused, and no item's
 * version in Desk ever went back.
 */
describe('Property: deliveries lost, repeated and reordered, then pulls: Desk equals GitHub', function () {
  this.timeout(120_000);
  it('holds for random write sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const loop: WebhookLoop = await startWebhookLoop({ configParams: { repositories: REPO } });
        try {
          loop.gh.createRepo(REPO);
          await loop.pullUntilQuiet();
          const { gh } = loop;
          const write = (lost: boolean, f: () => void) => {
            gh.hooks.drop = lost;
            f();
            gh.hooks.drop = false;
          };
          for (const op of ops) {
            const issues = gh.issues(REPO);
            const comments = gh.comments(REPO);
            if (op.kind === 'issue') write(op.lost, () => gh.createIssue(REPO, { title: 'p' }));
            else if (op.kind === 'comment' && issues.length > 0)
              write(op.lost, () => gh.createComment(REPO, issues[op.on % issues.length]!.number, { body: `c${op.on}` }));
            else if (op.kind === 'edit' && comments.length > 0)
              write(op.lost, () => gh.editComment(REPO, comments[op.which % comments.length]!.id, `edited ${op.which}`));
            else if (op.kind === 'redeliver' && gh.hooks.deliveries.length > 0) {
              await gh.hooks.settled();
              expect(await redeliver(gh.hooks.deliveries.at(-1)!)).to.be.oneOf([200, 202]);
            } else if (op.kind === 'swap' && issues.length > 0) {
              // Two writes whose deliveries arrive newest first.
              gh.hooks.drop = true;
              const c = gh.createComment(REPO, issues[0]!.number, { body: 'first' });
              loop.clock.advance(1);
              gh.editComment(REPO, c.id, 'second');
              gh.hooks.drop = false;
              const [older, newer] = gh.hooks.deliveries.slice(-2);
              expect(await redeliver(newer!)).to.equal(202);
              await loop.server.webhooks!.coalescer.idle();
              expect(await redeliver(older!)).to.equal(202);
            } else if (op.kind === 'tick') loop.clock.advance(op.seconds);
            else if (op.kind === 'pull') {
              await loop.settle();
              loop.clock.advance(10);
              await loop.desk.pullOnce();
            } else if (op.kind === 'overtake' && comments.length > 0) {
              await loop.settle();
              let release!: () => void;
              let read!: () => void;
              const wasRead = new Promise<void>((r) => (read = r));
              gh.faults.add({
                match: { method: 'GET', path: `/repos/${REPO}/issues/comments` },
                fault: { kind: 'gate', answerFirst: true, release: new Promise<void>((r) => (release = r)), arrived: read },
              });
              loop.clock.advance(10);
              const pulling = loop.desk.pullOnce();
              await Promise.race([wasRead, pulling]);
              loop.clock.advance(1);
              gh.editComment(REPO, comments[op.which % comments.length]!.id, `overtaking ${op.which}`);
              await loop.settle();
              release();
              gh.faults.clear();
              await pulling;
            } else if (op.kind === 'replay' && gh.hooks.deliveries.length > 0) {
              await gh.hooks.settled();
              const all = gh.hooks.deliveries;
              const d = all[all.length - 1 - (op.back % all.length)]!;
              // A fresh delivery id: the copy is not known as a redelivery.
              expect(await redeliver({ ...d, headers: { ...d.headers, 'x-github-delivery': crypto.randomUUID() } })).to.be.oneOf([200, 202, 422]);
            }
          }
          await loop.settle();
          // Never older over newer: along Desk's history, no item's version ever went back.
          const newest = new Map<string, number>();
          for (const h of loop.desk.store.history) {
            const key = `${h.kind}:${h.extId}`;
            expect(h.version, `${key} went back to an older version`).to.be.at.least(newest.get(key) ?? 0);
            newest.set(key, h.version);
          }
          expect(loop.desk.store.rejections, 'nothing refused').to.deep.equal([]);
          await loop.pullUntilQuiet();
          await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storyThreads: false });
        } finally {
          await loop.close();
        }
      }),
      { numRuns: Number(process.env.SOAK ? 60 : 8) },
    );
  });
});
