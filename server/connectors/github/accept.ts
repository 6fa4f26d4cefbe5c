import type { Budget } from '../../sync/budget.js';
import type { SyncBatch } from '../../sync/batch.js';
import type { Verdict } from '../../sync/stream.js';
import { GitHubError } from './api.js';
import { readComment, readIssue, type GhComment, type GhIssue } from './github-types.js';
import { commentThread, issueUnit } from './mapping.js';
import { ticketExtId } from './ext-ids.js';
import type { GitHubSettings } from './settings.js';
import { requestTimeout } from './request-timeout.js';
import { PER_PAGE } from './list-source.js';
import { vouchesFor, type SentProof } from './sent-proof.js';
import type { RepoSyncContext } from './repo-sync-context.js';

/**
 * The accept rules of one repository's sync: which issues and comments go to Desk, and
 * with what (a comment's ticket travels with it unless the pull proves Desk has it).
 */

/** What the rules work on: the repository, what this pull learnt of its issues, the budget and the batch. */
export interface AcceptScope {
  repo: string;
  /** Issues this pull found in the channel (true) or out of it (false). */
  eligible: Map<number, boolean>;
  budget: Budget;
  batch: SyncBatch;
  ctx: RepoSyncContext;
}

/** An issue of the stream: its ticket and first thread, with its earlier comments under a label filter. */
export async function acceptIssue(issue: GhIssue, commentsSince: number, scope: AcceptScope): Promise<Verdict> {
  const { repo, eligible, budget, batch, ctx } = scope;
  const { settings } = ctx;
  if (!isEligible(issue, settings)) return 'skipped';
  eligible.set(issue.number, true);
  const unit = issueUnit(repo, issue);
  if (settings.labels.length > 0 && issue.comments > 0) {
    // With a label filter an issue can enter the channel long after its first
    // comments, which the comment stream passed while the issue was filtered out:
    // they come along with the ticket (re-sending one Desk has is an update).
    const ticket = ticketExtId(repo, issue.number);
    for (const c of await earlierComments(ctx, repo, issue.number, commentsSince, budget.deadline)) {
      if (!ctx.isOwnReply(ticket, c.body)) unit.threads.push(commentThread(repo, c));
    }
    // A backlog larger than a whole pull's share for this repository would never
    // fit: the newest comments that fit come along, the oldest are left out (README).
    if (unit.threads.length > ctx.threadsPerPull) {
      unit.threads = [unit.threads[0]!, ...unit.threads.slice(1).slice(-(ctx.threadsPerPull - 1))];
    }
  }
  return batch.add(unit, budget) ? 'included' : 'no-room';
}

export async function acceptComment(c: GhComment, proof: SentProof | undefined, scope: AcceptScope): Promise<Verdict> {
  const { repo, eligible, budget, batch, ctx } = scope;
  const { settings } = ctx;
  if (c.onPull && !settings.includePullRequests) return 'skipped';
  const ticket = ticketExtId(repo, c.issueNumber);
  // Our own replies from Desk: Desk already has them as the agent's reply.
  if (ctx.isOwnReply(ticket, c.body)) return 'skipped';
  const thread = commentThread(repo, c);

  if (batch.hasTicket(ticket)) return batch.add({ tickets: [], threads: [thread] }, budget) ? 'included' : 'no-room';
  // Without a label filter, the issue listing of this pull proves a ticket sent when the
  // comment (so its issue) is older than the listing's horizon and the listing did not
  // see the issue at or past it (SentProof).
  const provablySent = vouchesFor(proof, c.issueNumber, c.createdAt, settings);
  if (provablySent && eligible.get(c.issueNumber) !== false) {
    return batch.add({ tickets: [], threads: [thread] }, budget, new Set([ticket])) ? 'included' : 'no-room';
  }
  // Otherwise read the issue and send its ticket along, if it belongs to the channel.
  const issue = await fetchIssue(ctx, repo, c.issueNumber, budget.deadline);
  if (!issue || !isEligible(issue, settings)) {
    eligible.set(c.issueNumber, false);
    return 'skipped';
  }
  eligible.set(c.issueNumber, true);
  const unit = issueUnit(repo, issue);
  unit.threads.push(thread);
  return batch.add(unit, budget) ? 'included' : 'no-room';
}

/** Pages of an issue's comments read for a backfill: at most this many comments come along. */
const BACKFILL_PAGES = 5;

/** The issue's comments last updated at or before `upTo` (those the comment stream has passed). */
async function earlierComments(ctx: RepoSyncContext, repo: string, n: number, upTo: number, deadline: number): Promise<GhComment[]> {
  const out: GhComment[] = [];
  const path = `/repos/${repo}/issues/${n}/comments`;
  const pages = ctx.api.pages(path, { query: { per_page: String(PER_PAGE) }, maxPages: BACKFILL_PAGES, timeoutMs: () => requestTimeout(ctx, deadline) });
  for await (const page of pages) {
    for (const raw of page) {
      const c = readComment(raw);
      if (!c) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET ${path}: an item lacks required fields`, 200);
      if (c.updatedAt <= upTo) out.push(c);
    }
  }
  return out;
}

async function fetchIssue(ctx: RepoSyncContext, repo: string, n: number, deadline: number): Promise<GhIssue | undefined> {
  try {
    const res = await ctx.api.request<unknown>('GET', `/repos/${repo}/issues/${n}`, { timeoutMs: requestTimeout(ctx, deadline) });
    const issue = readIssue(res.data);
    if (!issue) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/${n}: not an issue`, res.status);
    return issue;
  } catch (err) {
    // A deleted or transferred issue: its comments have nowhere to go.
    if (err instanceof GitHubError && (err.upstreamStatus === 404 || err.upstreamStatus === 410)) return undefined;
    throw err;
  }
}

/** An issue belongs to the channel: its labels carry every label of the filter, and a pull request only when they are synced. */
export function isEligible(issue: GhIssue, settings: GitHubSettings): boolean {
  if (issue.pull && !settings.includePullRequests) return false;
  return settings.labels.every((l) => issue.labels.includes(l));
}
