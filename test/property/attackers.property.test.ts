import { expect } from 'chai';
import fc from 'fast-check';
import { foreignHook, startWebhookLoop } from '../helpers/webhook-loop.js';
import { rawRequest, signedDelivery } from '../helpers/raw-request.js';
import { expectDeskMirrorsGitHub } from '../helpers/mirror.js';
import { SENTINEL } from '../helpers/test-config.js';
import { hookKeys, hookSecret } from '../../server/connectors/github/webhooks/seal.js';
import { ERROR_CATALOGUE } from '../../server/errors.js';
import type { ChannelState } from '../../server/desk/wire-types.js';
import type { HookState } from '../../server/connectors/github/wire-types.js';
import { figures, runs } from './figures.js';

const REPO = 'acme/widgets';
const CI_REPO = 'acme/ci';
const CODES = new Set(Object.keys(ERROR_CATALOGUE));
const QUEUE = { maxItems: 2, maxBatchesPerLane: 2, maxBatches: 3 };

/** What an attacker does at the webhook door, all at once, while Desk's import hangs. */
type Attack =
  /** Valid headers, part of the body, then nothing. */
  | { kind: 'slow'; part: number }
  /** A declared length over the door's 512 KB. */
  | { kind: 'too-big' }
  /** The whole body, signed with the wrong secret. */
  | { kind: 'bad-signature' }
  /** A token of the attacker's own under our hook id. */
  | { kind: 'forged-url'; token: string }
  /** Genuine deliveries for new issues, a flood of them. */
  | { kind: 'genuine'; n: number }
  /** A genuine delivery sent again with its id: the door takes it once. */
  | { kind: 'copies'; n: number };

const attackArb: fc.Arbitrary<Attack> = fc.oneof(
  fc.record({ kind: fc.constant('slow' as const), part: fc.integer({ min: 0, max: 200 }) }),
  fc.constant({ kind: 'too-big' as const }),
  fc.constant({ kind: 'bad-signature' as const }),
  fc.record({ kind: fc.constant('forged-url' as const), token: fc.stringMatching(/^[A-Za-z0-9_-]{1,300}$/) }),
  fc.record({ kind: fc.constant('genuine' as const), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('copies' as const), n: fc.integer({ min: 2, max: 8 }) }),
);

/** The statuses each attack may be answered with; every error answer names a catalogue code. */
const ALLOWED: Record<Attack['kind'], number[]> = {
  slow: [408, 503],
  'too-big': [413, 503],
  'bad-signature': [401, 503],
  'forged-url': [401, 404, 503],
  genuine: [202, 503],
  copies: [200, 202, 503],
};

/**
 * The webhook door and the import queue under random mixes of attackers (issue 23's
 * property): slow bodies, oversized and forged deliveries, floods and copies, all at
 * once while Desk's import hangs. Every request is answered with an allowed status and a
 * catalogue code or cut by the server; the import queue never holds more than its bound;
 * every place at the door is given back; and once Desk answers again, the pulls leave
 * Desk equal to GitHub (what the door dropped, the pull brings).
 */
describe('Property: attackers at the webhook door while Desk hangs: bounded, answered, and nothing lost', function () {
  this.timeout(300_000);
  it('holds for random mixes of slow, forged, oversized, flooding and copied deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(attackArb, { minLength: 1, maxLength: 10 }), async (attacks) => {
        const loop = await startWebhookLoop({
          configParams: { repositories: REPO },
          door: { bodyDeadlineMs: 300, maxInFlight: 8, maxInFlightPerClient: 6 },
          queue: QUEUE,
        });
        try {
          loop.gh.createRepo(REPO);
          await loop.pullUntilQuiet();
          loop.gh.hooks.drop = true;
          const hook = loop.gh.hooks.hooks.get(REPO)![0]!;
          const url = new URL(hook.url);
          const hid = url.pathname.split('/')[3]!;
          const secret = hookSecret(hookKeys(SENTINEL.secret), hid);
          let release!: () => void;
          loop.desk.importGate = new Promise<void>((r) => (release = r));
          let mostWaiting = 0;
          const watchQueue = () => (mostWaiting = Math.max(mostWaiting, loop.server.webhooks!.coalescer.waiting));
          const fresh = () =>
            JSON.stringify(
              loop.gh.hooks.payload({
                repo: REPO,
                event: 'issues',
                action: 'opened',
                issue: loop.gh.createIssue(REPO, { title: 'attacked' }).number,
                sender: { login: 'o', id: 1 },
              }),
            );
          const headers = (body: string, o: { id?: string; secret?: string; length?: number } = {}) =>
            signedDelivery(body, o.secret ?? secret, o.length === undefined ? {} : { 'content-length': String(o.length) }, o.id);
          const post = async (path: string, body: string, h: Record<string, string>) => {
            const res = await fetch(`${url.origin}${path}`, { method: 'POST', headers: h, body });
            const text = await res.text();
            watchQueue();
            return { status: res.status, text };
          };
          const answers: Array<{ kind: Attack['kind']; status: number; text: string }> = [];
          const run = async (a: Attack): Promise<void> => {
            if (a.kind === 'slow' || a.kind === 'too-big') {
              const body = fresh();
              const r = rawRequest(Number(url.port), url.pathname, headers(body, a.kind === 'too-big' ? { length: 600 * 1024 } : {}));
              if (a.kind === 'slow') await r.send(body.slice(0, a.part));
              // Cut by the server: its deadline, its size bound, or its door.
              await r.closed;
              const text = r.answer();
              answers.push({ kind: a.kind, status: r.status(), text: text.slice(text.indexOf('\r\n\r\n') + 4) });
            } else if (a.kind === 'bad-signature') {
              const body = fresh();
              answers.push({ kind: a.kind, ...(await post(url.pathname, body, headers(body, { secret: 'not-the-secret' }))) });
            } else if (a.kind === 'forged-url') {
              const body = fresh();
              answers.push({ kind: a.kind, ...(await post(`/github/webhooks/${hid}/${a.token}`, body, headers(body))) });
            } else if (a.kind === 'genuine') {
              for (let i = 0; i < a.n; i++) {
                const body = fresh();
                answers.push({ kind: a.kind, ...(await post(url.pathname, body, headers(body))) });
              }
            } else {
              const body = fresh();
              const id = crypto.randomUUID();
              const all = await Promise.all(Array.from({ length: a.n }, () => post(url.pathname, body, headers(body, { id }))));
              for (const r of all) answers.push({ kind: a.kind, ...r });
              expect(
                all.filter((r) => r.status === 202),
                'one copy queued at most',
              ).to.have.length.at.most(1);
            }
          };
          await Promise.all(attacks.map(run));
          figures.hostileInputs += answers.length;
          for (const a of answers) {
            expect(ALLOWED[a.kind], `${a.kind}: ${a.status} ${a.text.slice(0, 200)}`).to.include(a.status);
            if (a.status >= 400) expect(CODES.has((JSON.parse(a.text) as { code?: string }).code ?? ''), a.text).to.equal(true);
          }
          expect(mostWaiting, 'the import queue within its bound').to.be.at.most(QUEUE.maxBatches);
          release();
          loop.desk.importGate = undefined;
          await loop.settle();
          expect(loop.server.webhooks!.deliveriesInFlight(), 'every place at the door given back').to.equal(0);
          await loop.pullUntilQuiet();
          await expectDeskMirrorsGitHub(loop.gh, loop.desk, { token: SENTINEL.token, repos: [REPO], storyThreads: false });
          expect(loop.desk.store.rejections, 'nothing refused by Desk').to.deep.equal([]);
        } finally {
          await loop.close();
        }
      }),
      { numRuns: runs(4, 40) },
    );
  });
});

/**
 * Forged channelStates (anyone holding the URL key can send one): hook records naming
 * any hook id (ours, a CI's on the same repository, one on another repository, one that
 * does not exist) under any repository name (configured, outside the settings, path
 * tricks), with any fingerprint and check time. After every pull, nothing on GitHub
 * outside the installation's own hook was written, and no request left `/repos/{repo}`.
 */
describe('Property: forged channelStates write nothing on GitHub outside our own hooks', function () {
  this.timeout(120_000);
  it('holds for random hook records under random repository names', async () => {
    const loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    try {
      loop.gh.createRepo(REPO);
      loop.gh.createRepo(CI_REPO);
      const ciOnRepo = foreignHook(loop, REPO, 'https://ci.example/hook');
      const ciOnCi = foreignHook(loop, CI_REPO, 'https://ci.example/other');
      await loop.pullUntilQuiet();
      const ourId = () => loop.gh.hooks.hooks.get(REPO)!.find((h) => h.url.startsWith(loop.config.publicUrl!))?.id;
      const foreign = () =>
        JSON.stringify([...loop.gh.hooks.hooks.entries()].map(([repo, hooks]) => [repo, hooks.filter((h) => !h.url.startsWith(loop.config.publicUrl!))]));
      const before = foreign();
      const nowS = Math.floor(loop.clock.now() / 1000);
      const recordArb = fc.record({
        repo: fc.constantFrom(REPO, CI_REPO, 'acme/../../orgs/acme', 'acme/..', '../acme/widgets', 'acme/widgets/hooks', 'ACME/Widgets', 'other/thing'),
        i: fc.oneof(fc.constantFrom(ciOnRepo, ciOnCi, 4242), fc.integer({ min: 1, max: 2 ** 31 })),
        f: fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/),
        t: fc.constantFrom(0, nowS - 90_000, nowS, nowS + 10 ** 6),
        p: fc.constantFrom(undefined, 'admin', 'error'),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 5 }), async (records) => {
          const state = JSON.parse(loop.desk.channelState!) as ChannelState;
          for (const r of records) {
            const w: HookState = { i: r.i, f: r.f, t: r.t, ...(r.p ? { p: r.p as HookState['p'] } : {}) };
            state.r[r.repo] = { ...structuredClone(state.r[REPO]!), w };
          }
          loop.desk.channelState = JSON.stringify(state);
          const seen = loop.gh.requests.length;
          loop.clock.advance(10);
          const out = await loop.desk.pullOnce();
          figures.hostileInputs++;
          expect(out.ok, JSON.stringify(out)).to.equal(true);
          const ours = ourId();
          const requests = loop.gh.requests.slice(seen);
          for (const w of requests.filter((r) => r.method !== 'GET'))
            expect(`${w.method} ${w.path}`).to.match(new RegExp(`^(PATCH|DELETE) /repos/${REPO}/hooks/${ours}$|^POST /repos/${REPO}/hooks$`));
          expect(
            requests.filter((r) => !r.path.startsWith('/repos/') || r.path.includes('..') || r.path.includes('/orgs/')),
            'no request leaves /repos/{owner}/{repo}',
          ).to.deep.equal([]);
          expect(foreign(), 'every hook not ours as it was').to.equal(before);
          expect(
            loop.gh.hooks.hooks.get(REPO)!.filter((h) => h.url.startsWith(loop.config.publicUrl!)),
            'one hook of ours',
          ).to.have.length.at.most(1);
        }),
        { numRuns: runs(12, 200) },
      );
    } finally {
      await loop.close();
    }
  });
});
