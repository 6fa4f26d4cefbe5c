import { expect } from 'chai';
import fc from 'fast-check';
import { startChannelLoop, type ChannelLoop } from '../helpers/channel-loop.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import type { ChannelState } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';
import type { Fault } from '../../sandbox/fake-github/index.js';
import { figures, runs, writeFigures } from './figures.js';

const REPO = 'acme/widgets';

type Op =
  | { kind: 'issue'; pr: boolean; labels: string[]; emptyBody: boolean; comments: number }
  | { kind: 'comment'; on: number; member: boolean }
  | { kind: 'editIssue'; which: number }
  | { kind: 'editComment'; which: number }
  | { kind: 'relabel'; which: number }
  | { kind: 'closeOrReopen'; which: number }
  | { kind: 'tick'; seconds: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('issue' as const),
      pr: fc.boolean(),
      labels: fc.subarray(['bug', 'ui']),
      emptyBody: fc.boolean(),
      comments: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('comment' as const), on: fc.nat(), member: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('editIssue' as const), which: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('editComment' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('relabel' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closeOrReopen' as const), which: fc.nat() }) },
  // Most writes share a second with their neighbours: equal updated_at times.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 3 }) }) },
);

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('rateLimit' as const),
    type: fc.constant('primary' as const),
    retryAfter: fc.integer({ min: 1, max: 120 }),
    status: fc.constantFrom(403 as const, 429 as const),
  }),
  fc.record({ kind: fc.constant('rateLimit' as const), type: fc.constant('secondary' as const), status: fc.constant(403 as const) }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(500, 502, 503) }),
  fc.constant({ kind: 'timeout' as const }),
  fc.constant({ kind: 'reset' as const }),
  fc.constant({ kind: 'truncate' as const }),
  fc.record({ kind: fc.constant('latency' as const), ms: fc.constantFrom(50, 400) }),
);

/** Writes made just before a pull, inside its settle window: the issue they touch is not settled at that pull. */
const hotArb = fc.array(fc.record({ pull: fc.integer({ min: 0, max: 4 }), op: opArb }), { maxLength: 8 });

const scheduleArb = fc.array(
  fc.record({ pull: fc.integer({ min: 0, max: 4 }), path: fc.constantFrom('/issues', '/issues/comments', '/issues/'), fault: faultArb }),
  { maxLength: 6 },
);

function apply(loop: ChannelLoop, op: Op): void {
  const issues = loop.gh.issues(REPO);
  const comments = loop.gh.comments(REPO);
  switch (op.kind) {
    case 'issue': {
      const issue = loop.gh.createIssue(REPO, {
        title: `t${issues.length}`,
        body: op.emptyBody ? '' : `b${issues.length}`,
        pullRequest: op.pr,
        labels: op.labels,
        user: { login: 'u', id: 7 },
      });
      // Comments in the issue's own second (a bot's first answer).
      for (let i = 0; i < op.comments; i++) loop.gh.createComment(REPO, issue.number, { body: `c${comments.length + i}`, user: { login: 'b', id: 9 } });
      return;
    }
    case 'comment':
      if (issues.length > 0)
        loop.gh.createComment(REPO, issues[op.on % issues.length]!.number, {
          body: `c${comments.length}`,
          user: { login: op.member ? 'm' : 'u', id: op.member ? 8 : 7 },
          association: op.member ? 'MEMBER' : 'NONE',
        });
      return;
    case 'editIssue':
      if (issues.length > 0) loop.gh.editIssue(REPO, issues[op.which % issues.length]!.number, { title: `edited ${op.which}`, body: `eb${op.which}` });
      return;
    case 'editComment':
      if (comments.length > 0) loop.gh.editComment(REPO, comments[op.which % comments.length]!.id, `edited ${op.which}`);
      return;
    case 'relabel':
      if (issues.length > 0) loop.gh.editIssue(REPO, issues[op.which % issues.length]!.number, { labels: op.which % 2 ? ['bug'] : [] });
      return;
    case 'closeOrReopen': {
      const issue = issues[op.which % issues.length];
      if (issue)
        loop.gh.editIssue(
          REPO,
          issue.number,
          issue.state === 'open' ? { state: 'closed', stateReason: op.which % 2 ? 'completed' : 'not_planned' } : { state: 'open' },
        );
      return;
    }
    case 'tick':
      loop.clock.advance(op.seconds);
  }
}

const notBefore = (a: { t: number; a?: number } | undefined, b: { t: number; a?: number } | undefined): boolean =>
  !a || !b || b.t > a.t || (b.t === a.t && (b.a ?? -1) >= (a.a ?? -1));

describe('Property: whatever the history and the faults, a pull never loses an item', function () {
  this.timeout(0);
  after(() => writeFigures());

  it('Desk ends equal to GitHub, parents first, nothing created twice, cursors never back, budgets and secrets kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.array(opArb, { maxLength: 20 }),
        scheduleArb,
        hotArb,
        fc.record({ maxTickets: fc.integer({ min: 1, max: 40 }), maxThreads: fc.integer({ min: 2, max: 60 }) }),
        fc.constantFrom('direct' as const, 'invoke' as const),
        fc.boolean(),
        fc.nat(),
        async (before, during, schedule, hot, caps, transport, labelled, shapeSeed) => {
          const configParams: Record<string, string> = { repositories: REPO, importSince: 'all', ...(labelled ? { labels: 'bug' } : {}) };
          // A labelled issue brings its earlier comments in one unit; the README's known limit
          // (a backlog over one pull's thread cap) is out of this property's scope.
          const pull = { ...caps, maxThreads: labelled ? Math.max(caps.maxThreads, 200) : caps.maxThreads, timeBudgetMs: 300 };
          // Each pull takes one of the corpus's request shapes, drawn from shapeSeed.
          const loop = await startChannelLoop({ transport, configParams, pull, shapeSeed });
          try {
            loop.gh.createRepo(REPO);
            for (const op of before) apply(loop, op);
            let prev: ChannelState | null = null;
            const check = () => {
              const text = loop.desk.channelState ?? '';
              expect(Buffer.byteLength(text)).to.be.at.most(4096);
              for (const s of Object.values(SENTINEL)) expect(text).not.to.include(s);
              const now = decodeChannelState(text).state;
              if (prev && now) {
                const a = prev.r[REPO] as RepoCursor | undefined;
                const b = now.r[REPO] as RepoCursor | undefined;
                expect(notBefore(a?.i, b?.i), 'issue cursor moved back').to.equal(true);
                expect(notBefore(a?.c, b?.c), 'comment cursor moved back').to.equal(true);
              }
              prev = now ?? prev;
            };
            for (let p = 0; p < 5; p++) {
              for (const f of schedule.filter((s) => s.pull === p))
                loop.gh.faults.add({ match: { path: new RegExp(f.path === '/issues/' ? '/issues/\\d+$' : `${f.path}$`) }, fault: f.fault });
              loop.clock.advance(10);
              for (const h of hot.filter((x) => x.pull === p)) apply(loop, h.op);
              const out = await loop.desk.pullOnce();
              figures.pulls++;
              if (out.status >= 500) figures.serverErrors++;
              expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
              expect(out.tickets).to.be.at.most(caps.maxTickets);
              expect(out.threads).to.be.at.most(pull.maxThreads);
              check();
              if (p === 1) for (const op of during) apply(loop, op);
            }
            loop.gh.faults.clear();
            for (let p = 0; p < 400; p++) {
              const out = await loop.pullAfterCoolDown();
              figures.pulls++;
              expect(out.ok, JSON.stringify(out.rejected)).to.equal(true);
              check();
              if (out.tickets + out.threads === 0 && !decodeChannelState(loop.desk.channelState).state?.r[REPO]?.s.err) break;
            }
            // With a label filter, issues that lost the label stay in Desk as they were.
            const totals = await expectDeskMirrorsGitHub(loop.gh, loop.desk, {
              token: SENTINEL.token,
              repos: [REPO],
              ...(labelled ? { labels: ['bug'], allowExtra: true } : {}),
            });
            for (const s of Object.values(SENTINEL)) expect(loop.log.text).not.to.include(s);
            figures.itemsSynced += totals.tickets + totals.threads;
            figures.githubRequests += loop.gh.requests.length;
            figures.faultsInjected += loop.gh.faults.applied.length;
          } finally {
            figures.histories++;
            figures.faultSchedules += schedule.length > 0 ? 1 : 0;
            figures.duplicateCreations += [...loop.desk.store.tickets.values(), ...loop.desk.store.threads.values()].filter((v) => v.createdCount > 1).length;
            await loop.close();
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? runs(12, 1000)) },
    );
  });
});
