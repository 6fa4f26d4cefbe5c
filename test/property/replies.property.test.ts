import { expect } from 'chai';
import fc from 'fast-check';
import { startChannelLoop } from '../helpers/channel-loop.js';
import { startApp } from '../helpers/start-app.js';
import { createChannel } from '../../server/channel-factory.js';
import { SENTINEL } from '../helpers/test-config.js';
import { figures, runs, writeFigures } from './figures.js';

const REPO = 'acme/widgets';

type Step = { reply: number; server: 0 | 1; lose: boolean; concurrent: boolean };

const stepArb: fc.Arbitrary<Step> = fc.record({ reply: fc.integer({ min: 0, max: 3 }), server: fc.constantFrom(0 as const, 1 as const), lose: fc.boolean(), concurrent: fc.boolean() });

describe('Property: a reply is posted exactly once, whatever Desk and the network do', function () {
  this.timeout(0);
  after(() => writeFigures());

  it('lost answers, Desk retries and concurrent retries on two server instances leave one comment per reply', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        const loop = await startChannelLoop({ transport: 'direct', configParams: { repositories: REPO, importSince: 'all' } });
        // A second replica of the server, same configuration, same GitHub.
        const second = await startApp(createChannel({ ...loop.config }, { now: loop.clock.now }), { ...loop.config });
        try {
          loop.gh.createRepo(REPO);
          const issue = loop.gh.createIssue(REPO, { title: 'Help' }).number;
          await loop.pullUntilQuiet();
          const push = async (server: 0 | 1, reply: number): Promise<{ status: number; body: { extId?: string; code?: string } }> => {
            const url = server === 0 ? loop.server.url : second.url;
            const res = await fetch(`${url}/desk/push?orgId=${loop.desk.orgId}&securityContext=${SENTINEL.securityContext}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ configParams: loop.desk.configParams, resource: { extParentId: `${REPO}:${issue}`, content: `<p>Reply number ${reply}</p>` } }),
            });
            figures.replyPushes++;
            return { status: res.status, body: (await res.json()) as { extId?: string; code?: string } };
          };
          const answered = new Map<number, string>();
          for (const s of steps) {
            if (s.lose) loop.gh.faults.add({ match: { method: 'POST' }, fault: { kind: 'dropResponse' } });
            const outs = s.concurrent ? await Promise.all([push(0, s.reply), push(1, s.reply)]) : [await push(s.server, s.reply)];
            for (const out of outs) {
              expect([200, 502]).to.include(out.status);
              if (out.status === 200) {
                const before = answered.get(s.reply);
                if (before) expect(out.body.extId, 'every answer for a reply names the same comment').to.equal(before);
                answered.set(s.reply, out.body.extId!);
              } else {
                expect(out.body.code).to.equal('GITHUB_UNAVAILABLE');
              }
            }
            loop.gh.faults.clear();
          }
          // Desk retries what failed until it succeeds.
          for (const reply of new Set(steps.map((s) => s.reply))) {
            for (let i = 0; i < 3 && !answered.has(reply); i++) {
              const out = await push(0, reply);
              if (out.status === 200) answered.set(reply, out.body.extId!);
            }
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
      { numRuns: Number(process.env.PROPERTY_RUNS ?? runs(10, 300)) },
    );
  });
});
