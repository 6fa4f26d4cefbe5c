import { expect } from 'chai';
import fc from 'fast-check';
import { startFakeGitHub } from '../../sandbox/fake-github/index.js';
import { startDeskSimulator } from '../../sandbox/desk-simulator/index.js';
import type { DeskApiKind, DeskTicketRecord } from '../../sandbox/desk-simulator/tickets-api.js';
import { InvokeClient } from '../../server/desk/invoke-client.js';
import { DirectTransport } from '../../server/transport/direct-transport.js';
import { GitHubApi, directHeaders } from '../../server/connectors/github/api.js';
import { gitHubIssueSide } from '../../server/connectors/github/escalation.js';
import { DeskTickets } from '../../server/escalation/desk-tickets.js';
import { formatLinks, parseLinks, withLink, withoutLink, type IssueKey } from '../../server/escalation/links.js';
import { readLoopSettings, reconcileAll, reconcileIssue, type LoopContext } from '../../server/escalation/loop.js';
import { MemoryClaimStore } from '../../server/claims/claim-store.js';
import { SENTINEL } from '../helpers/test-config.js';
import { runs } from './figures.js';

const REPO = 'acme/widgets';
const DESK_TOKEN = 'SENTINEL_desk_token_for_property';

type Step =
  | { op: 'link' | 'unlink'; ticket: number; issue: number }
  | { op: 'close'; issue: number; reason: 'completed' | 'not_planned' }
  | { op: 'reopen'; issue: number }
  | { op: 'deliver'; pick: number; replica: 0 | 1; keep: boolean }
  | { op: 'both'; pick: number }
  | { op: 'pull'; replica: 0 | 1 }
  | { op: 'fault'; kind: DeskApiKind; status: 429 | 500 };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('link' as const, 'unlink' as const), ticket: fc.nat(3), issue: fc.nat(1) }),
  fc.record({ op: fc.constant('close' as const), issue: fc.nat(1), reason: fc.constantFrom('completed' as const, 'not_planned' as const) }),
  fc.record({ op: fc.constant('reopen' as const), issue: fc.nat(1) }),
  fc.record({ op: fc.constant('deliver' as const), pick: fc.nat(5), replica: fc.constantFrom(0 as const, 1 as const), keep: fc.boolean() }),
  fc.record({ op: fc.constant('both' as const), pick: fc.nat(5) }),
  fc.record({ op: fc.constant('pull' as const), replica: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({
    op: fc.constant('fault' as const),
    kind: fc.constantFrom<DeskApiKind>('search', 'ticket', 'comments', 'comment', 'patch', 'draft'),
    status: fc.constantFrom(429 as const, 500 as const),
  }),
);

const MARK = /gh-loop:~(\d+)\/(\d+)=([cnr])(\d+)/;

describe('Property: each linked ticket is told of each transition once, whatever the deliveries and Desk do', function () {
  this.timeout(0);

  it('random link / unlink / close / reopen histories, deliveries lost, repeated and reordered, two replicas, Desk failing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
        const gh = await startFakeGitHub({ token: SENTINEL.token });
        const desk = await startDeskSimulator({
          secret: SENTINEL.secret,
          securityContext: SENTINEL.securityContext,
          channel: { pullUrl: 'http://127.0.0.1:9/pull', pushUrl: 'http://127.0.0.1:9/push' },
          connections: { zohodesk: { token: DESK_TOKEN } },
        });
        try {
          gh.createRepo(REPO);
          const repoId = gh.repoId(REPO);
          const issues: IssueKey[] = [0, 1].map((i) => ({ repoId, number: gh.createIssue(REPO, { title: `Bug ${i}` }).number }));
          const tickets: DeskTicketRecord[] = [0, 1, 2, 3].map((i) => desk.desk.createTicket({ subject: `Customer ${i}`, channel: i % 2 ? 'CHAT' : 'EMAIL' }));
          const settings = readLoopSettings({
            loop_closed_status: 'Fixed - tell customer',
            loop_reopen_status: 'Open',
            loop_draft_template: 'Fixed: {{issue.title}}',
          });
          // Two replicas: each its own Invoke client, GitHub client and claims (none shared: the marks alone must settle races).
          const replicas = [0, 1].map((): (() => LoopContext) => {
            const invoke = new InvokeClient({ deskApiUrl: desk.url, secret: SENTINEL.secret });
            const claims = new MemoryClaimStore();
            const counts = new Map<string, number>();
            return () => ({
              desk: new DeskTickets(
                invoke,
                { deskApiUrl: desk.url, connection: 'zohodesk', field: 'cf_github_issues' },
                { orgId: desk.orgId, securityContext: desk.securityContext },
              ),
              issues: gitHubIssueSide(new GitHubApi(new DirectTransport(gh.url, directHeaders(SENTINEL.token))), {
                secret: SENTINEL.secret,
                orgId: desk.orgId,
                timeoutMs: () => 10_000,
              }),
              settings,
              orgId: desk.orgId,
              claims,
              deadline: Date.now() + 60_000,
              now: Date.now,
              counts,
            });
          });
          /** Deliveries GitHub sent and we have not had yet (any order; some never arrive). */
          const pending: IssueKey[] = [];
          /** When each link was made, in transitions so far: a close after it must be told. */
          const linkedAt = new Map<string, number>();
          let transitions = 0;
          let faults = 0;
          const run = (p: Promise<unknown>) => p.catch(() => undefined);

          for (const s of steps) {
            if (s.op === 'link' || s.op === 'unlink') {
              const t = tickets[s.ticket]!;
              const k = issues[s.issue]!;
              const links = parseLinks(t.cf.cf_github_issues ?? '');
              if (s.op === 'link') {
                // As the card links: a closed issue with the close it is linked after (widget/github.ts lastClose).
                const closed = gh.issues(REPO).find((i) => i.number === k.number)!.state === 'closed';
                const lastClose = gh
                  .events(REPO)
                  .filter((e) => e.issueNumber === k.number && e.event === 'closed')
                  .at(-1);
                const at = !closed ? 'open' : lastClose ? { closedBy: lastClose.id, notPlanned: lastClose.stateReason === 'not_planned' } : 'closed';
                const next = withLink(links, k, at);
                if (typeof next !== 'string') {
                  t.cf.cf_github_issues = formatLinks(next);
                  linkedAt.set(`${s.ticket}/${s.issue}`, transitions);
                }
              } else {
                t.cf.cf_github_issues = formatLinks(withoutLink(links, k)) || null;
                linkedAt.delete(`${s.ticket}/${s.issue}`);
              }
            } else if (s.op === 'close' || s.op === 'reopen') {
              const k = issues[s.issue]!;
              const before = gh.events(REPO).length;
              gh.editIssue(REPO, k.number, s.op === 'close' ? { state: 'closed', stateReason: s.reason } : { state: 'open' });
              if (gh.events(REPO).length > before) {
                transitions++;
                pending.push(k);
              }
            } else if (s.op === 'deliver' && pending.length > 0) {
              const i = s.pick % pending.length;
              const k = pending[i]!;
              if (!s.keep) pending.splice(i, 1);
              await run(reconcileIssue(replicas[s.replica]!(), k));
            } else if (s.op === 'both' && pending.length > 0) {
              const k = pending[s.pick % pending.length]!;
              await Promise.all([run(reconcileIssue(replicas[0]!(), k)), run(reconcileIssue(replicas[1]!(), k)), run(reconcileAll(replicas[1]!()))]);
            } else if (s.op === 'pull') {
              await run(reconcileAll(replicas[s.replica]!()));
            } else if (s.op === 'fault') {
              faults++;
              desk.desk.faults.push({ kind: s.kind, status: s.status });
            }
          }
          // Desk answers again; the pulls reconcile (the remaining deliveries are lost).
          desk.desk.faults.length = 0;
          await reconcileAll(replicas[0]!());
          await reconcileAll(replicas[1]!());

          const events = gh.events(REPO).filter((e) => e.event === 'closed' || e.event === 'reopened');
          tickets.forEach((t, ti) => {
            const notes = t.comments.map((c) => MARK.exec(c.content)).filter((m): m is RegExpExecArray => m !== null);
            const marks = notes.map((m) => m[0]);
            expect(new Set(marks).size, `ticket ${ti} told twice: ${marks.join(' ')}`).to.equal(marks.length);
            for (const m of notes) {
              const e = events.find((x) => x.id === Number(m[4]));
              expect(e, `ticket ${ti} told of an event that never happened: ${m[0]}`).to.not.equal(undefined);
              expect(e!.event === 'reopened' ? 'r' : e!.stateReason === 'not_planned' ? 'n' : 'c').to.equal(m[3]);
            }
            const completedNotes = notes.filter((m) => m[3] === 'c').length;
            expect(t.drafts.length, `ticket ${ti}: drafts`).to.be.at.most(completedNotes);
            if (faults === 0) expect(t.drafts.length, `ticket ${ti}: a draft with every completion`).to.equal(completedNotes);
            for (const link of parseLinks(t.cf.cf_github_issues ?? '')) {
              const ii = issues.findIndex((k) => k.number === link.number);
              const last = events.filter((e) => e.issueNumber === link.number).at(-1);
              if (!last) continue;
              expect(link.ack.kind !== 'o' && link.ack.kind !== 'x' && link.ack.eventId, `ticket ${ti} issue ${ii}: the last transition is recorded`).to.equal(
                last.id,
              );
              const sinceLink = events.filter((e) => e.issueNumber === link.number).length;
              const linkedBefore = (linkedAt.get(`${ti}/${ii}`) ?? Infinity) < transitions && sinceLink > 0;
              if (last.event === 'closed' && linkedBefore && linkedAt.get(`${ti}/${ii}`)! < transitionIndex(events, last.id, transitions))
                expect(marks, `ticket ${ti} issue ${ii}: the last close is told`).to.include(
                  `gh-loop:~${link.repoId}/${link.number}=${last.stateReason === 'not_planned' ? 'n' : 'c'}${last.id}`,
                );
            }
          });
        } finally {
          await desk.close();
          await gh.close();
        }
      }),
      {
        numRuns: runs(15, 200),
        examples: [
          // Linked while closed, then reopened and closed again before anything reached us: the new close is told.
          [
            [
              { op: 'close', issue: 0, reason: 'completed' },
              { op: 'link', ticket: 0, issue: 0 },
              { op: 'reopen', issue: 0 },
              { op: 'close', issue: 0, reason: 'completed' },
              { op: 'deliver', pick: 0, replica: 0, keep: false },
            ],
          ],
        ],
      },
    );
  });
});

/** The transition count at which event `id` happened (1-based among all transitions so far). */
function transitionIndex(events: { id: number }[], id: number, total: number): number {
  const i = events.findIndex((e) => e.id === id);
  return i < 0 ? total : i + 1;
}
