import { expect } from 'chai';
import fc from 'fast-check';
import { startChannelLoop } from '../helpers/channel-loop.js';
import { startApp } from '../helpers/start-app.js';
import { createConnector } from '../../server/channel-factory.js';
import { SENTINEL } from '../helpers/test-config.js';
import { figures, runs, writeFigures } from './figures.js';
import { asPairs, fillBody, requestShapes, withShapeQuery } from '../../sandbox/desk-simulator/request-shapes.js';

const REPO = 'acme/widgets';

type Step = { reply: number; server: 0 | 1; lose: boolean; concurrent: boolean; failDeletes: boolean; shape: string };

/** Each push in one of the request shapes Desk or its samples use (resources/desk-shapes/). */
const PUSH_SHAPES = requestShapes().filter((s) => s.route === 'push' && s.simulator);
const stepArb: fc.Arbitrary<Step> = fc.record({
  reply: fc.integer({ min: 0, max: 3 }),
  server: fc.constantFrom(0 as const, 1 as const),
  lose: fc.boolean(),
  concurrent: fc.boolean(),
  failDeletes: fc.boolean(),
  shape: fc.constantFrom(...PUSH_SHAPES.map((s) => s.id)),
});

describe('Property: a reply is posted exactly once, whatever Desk and the network do', function () {
  this.timeout(0);
  after(() => writeFigures());

  it('lost answers, failing DELETEs, busy issues, Desk retries and concurrent retries on two server instances leave one comment per reply', async () => {
    await fc.assert(
      // noise: comments already on the issue (up to four pages), so the marker is not on the first page.
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 350 }), async (steps, noise) => {
        const loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
        // A second replica of the server, same configuration, same GitHub.
        const second = await startApp(createConnector({ ...loop.config }, { now: loop.clock.now }), { ...loop.config, port: 0 });
        try {
          loop.gh.createRepo(REPO);
          const issue = loop.gh.createIssue(REPO, { title: 'Help' }).number;
          for (let i = 0; i < noise; i++) {
            if (i % 25 === 0) loop.clock.advance(1);
            loop.gh.createComment(REPO, issue, { body: `noise ${i}` });
          }
          await loop.pullUntilQuiet();
          const push = async (
            server: 0 | 1,
            reply: number,
            shapeId = 'push-documented',
          ): Promise<{ status: number; body: { extId?: string; code?: string } }> => {
            const shape = PUSH_SHAPES.find((s) => s.id === shapeId)!;
            const configParams = { ...loop.desk.configParams, channelState: loop.desk.channelState };
            const vars = {
              orgId: loop.desk.orgId,
              securityContext: SENTINEL.securityContext,
              configParams,
              configParamPairs: asPairs(configParams),
              ticket: `${REPO}:${issue}`,
              thread: `${REPO}:${issue}:body`,
              content: `<p>Reply number ${reply}</p>`,
              summary: `Reply number ${reply}`,
            };
            const base = `${server === 0 ? loop.server.url : second.url}/desk/push`;
            const res = await fetch(withShapeQuery(base, shape, vars), {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(fillBody(shape.body, vars)),
            });
            figures.replyPushes++;
            return { status: res.status, body: (await res.json()) as { extId?: string; code?: string } };
          };
          const answered = new Map<number, string>();
          for (const s of steps) {
            if (s.lose) loop.gh.faults.add({ match: { method: 'POST' }, fault: { kind: 'dropResponse' } });
            if (s.failDeletes) loop.gh.faults.add({ match: { method: 'DELETE' }, times: 4, fault: { kind: 'status', status: 500 } });
            const outs = s.concurrent ? await Promise.all([push(0, s.reply, s.shape), push(1, s.reply, s.shape)]) : [await push(s.server, s.reply, s.shape)];
            for (const out of outs) {
              expect([200, 502]).to.include(out.status);
              if (out.status === 200) {
                const before = answered.get(s.reply);
                if (before) expect(out.body.extId, 'every answer for a reply names the same comment').to.equal(before);
                answered.set(s.reply, out.body.extId!);
              } else {
                expect(out.body.code).to.equal('UPSTREAM_UNAVAILABLE');
              }
            }
            loop.gh.faults.clear();
          }
          // Desk retries what failed until it succeeds; then one later push of each reply
          // (GitHub healthy) removes what failed DELETEs left.
          for (const reply of new Set(steps.map((s) => s.reply))) {
            for (let i = 0; i < 3 && !answered.has(reply); i++) {
              const out = await push(0, reply);
              if (out.status === 200) answered.set(reply, out.body.extId!);
            }
            const later = await push(0, reply);
            expect(later.status).to.equal(200);
            expect(later.body.extId, 'a later push names the same comment').to.equal(answered.get(reply));
          }
          const comments = loop.gh.comments(REPO);
          for (const reply of new Set(steps.map((s) => s.reply))) {
            const mine = comments.filter((c) => c.body.startsWith(`Reply number ${reply}\n`));
            figures.duplicateComments += Math.max(0, mine.length - 1);
            expect(mine, `comments for reply ${reply}`).to.have.length(1);
            expect(answered.get(reply)).to.equal(`${REPO}:c${mine[0]!.id}`);
          }
          figures.replies += new Set(steps.map((s) => s.reply)).size;
          for (const s of Object.values(SENTINEL)) expect(loop.log.text + second.log.text).not.to.include(s);
        } finally {
          await second.close();
          await loop.close();
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? runs(10, 300)),
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED), path: process.env.PROPERTY_PATH, endOnFailure: true } : {}),
      },
    );
  });
});
