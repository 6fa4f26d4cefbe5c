import type { Budget } from '../../sync/budget.js';
import type { SyncBatch } from '../../sync/batch.js';
import type { EventsCursor } from '../../desk/wire-types.js';
import { GitHubError, type GitHubApi } from './api.js';
import { readIssueEvent, type GhIssueEvent } from './issue-event.js';
import { issueUnit } from './mapping.js';
import type { GitHubSettings } from './settings.js';
import { storyThread } from './story-thread.js';

const PER_PAGE = 100;
/** Pages one pull reads at most: a longer gap resumes at the next pull, it is never cut. */
export const STORY_PAGES_PER_PULL = 10;

export interface StoryContext {
  api: GitHubApi;
  settings: GitHubSettings;
  now: () => number;
  /** GitHub time the issue listing last caught up at: only events before it are told, after their tickets. */
  caughtUpAt: number | undefined;
  /** Whether this issue passes the channel's filters (labels, pull requests). */
  isEligible: (issue: NonNullable<GhIssueEvent['issue']>) => boolean;
}

export interface StoryOutcome {
  cursor: EventsCursor | undefined;
  more: boolean;
  error?: GitHubError;
}

/**
 * The issue events of one repository since the last pull, as story threads. GitHub
 * lists them newest first with offset pages and no `since`, so a reader that stops at
 * a page cap would lose the oldest. The scan reads back to the last event handled (h)
 * and, when a pull's budget ends first, saves where it was (newest and oldest id
 * handled, the page) and resumes there: new events only push older ones to later
 * pages, and the resume starts a page early in case some were deleted. Only when the
 * scan reaches h does h move, so no event between two pulls is skipped.
 */
export async function syncStory(repo: string, previous: EventsCursor | undefined, budget: Budget, batch: SyncBatch, ctx: StoryContext): Promise<StoryOutcome> {
  const caughtUpAt = ctx.caughtUpAt;
  // Until the issues are read once, events have no tickets to go to; keep waiting.
  if (caughtUpAt === undefined) return { cursor: previous, more: false };
  const resuming = previous?.t !== undefined;
  const h = previous?.h;
  let top = resuming ? previous!.t : undefined;
  let lowest = resuming ? (previous!.x ?? previous!.t!) : Number.POSITIVE_INFINITY;
  let page = resuming ? (previous!.p ?? 1) : 1;
  let etag: string | undefined;
  const save = (): EventsCursor => ({ h: h ?? 0, t: top!, x: lowest, p: Math.max(1, page - 1) });

  for (let read = 0; read < STORY_PAGES_PER_PULL; read++) {
    if (ctx.now() >= budget.deadline) return { cursor: top === undefined ? previous : save(), more: true };
    let res;
    try {
      res = await ctx.api.request<unknown>('GET', `/repos/${repo}/issues/events`, {
        query: { per_page: String(PER_PAGE), page: String(page) },
        etag: !resuming && page === 1 ? previous?.e : undefined,
        timeoutMs: Math.round(Math.min(15_000, Math.max(50, budget.deadline - ctx.now() + 2_000))),
      });
    } catch (err) {
      if (!(err instanceof GitHubError)) throw err;
      return { cursor: top === undefined ? previous : save(), more: false, error: err };
    }
    if (res.notModified) return { cursor: previous, more: false };
    if (!Array.isArray(res.data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/events: not a list`, res.status);
    let waited = false;
    let reachedEnd = res.data.length < PER_PAGE || !res.nextUrl;
    for (const raw of res.data) {
      const e = readIssueEvent(raw);
      if (!e) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/events: an item lacks required fields`, res.status);
      if (h !== undefined && e.id <= h) {
        reachedEnd = true;
        break;
      }
      if (top !== undefined && e.id > top) continue; // newer than this scan: the next one tells it
      if (e.id >= lowest) continue; // told already (a page read twice)
      if (top === undefined && e.createdAt >= caughtUpAt) {
        waited = true; // its issue may not be in Desk yet
        continue;
      }
      // The first pull starts the story now: the ticket's card shows how the issue stands.
      if (h !== undefined && !tell(repo, e, budget, batch, ctx)) return { cursor: top === undefined ? previous : save(), more: true };
      top ??= e.id;
      lowest = e.id;
      if (h === undefined) {
        reachedEnd = true;
        break;
      }
    }
    if (page === 1 && !resuming && !waited && res.etag && res.etag.length <= 100) etag = res.etag;
    page++;
    if (reachedEnd) {
      const cursor: EventsCursor = { h: Math.max(h ?? 0, top ?? 0) };
      // The ETag stands for "nothing new" only when the scan told everything on page 1.
      if (etag && top === undefined) cursor.e = etag;
      return { cursor, more: false };
    }
  }
  return { cursor: top === undefined ? previous : save(), more: true };
}

/**
 * Adds the event's thread; false when the batch has no room (the scan resumes at it).
 * Whether Desk has the ticket cannot be proved from the event (its issue may have been
 * updated again past the listing before the listing saw it), so unless the ticket is in
 * this answer it comes along, mapped from the issue the event carries; re-sending a
 * ticket Desk has is an update. Its body thread is left to the issue stream.
 */
function tell(repo: string, e: GhIssueEvent, budget: Budget, batch: SyncBatch, ctx: StoryContext): boolean {
  const thread = storyThread(repo, e);
  if (!thread || !e.issue || !ctx.isEligible(e.issue) || e.createdAt < ctx.settings.importSince) return true;
  if (batch.hasTicket(thread.extParentId)) return batch.add({ tickets: [], threads: [thread] }, budget);
  return batch.add({ tickets: [issueUnit(repo, e.issue).tickets[0]!], threads: [thread] }, budget);
}
