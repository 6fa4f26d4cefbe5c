import type { Budget } from '../../sync/budget.js';
import type { SyncBatch } from '../../sync/batch.js';
import type { EventsCursor } from './wire-types.js';
import { AppError, isAppError } from '../../errors.js';
import { GitHubError, type ApiResult, type GitHubApi } from './api.js';
import { readIssueEvent, type GhIssueEvent } from './issue-event.js';
import { issueUnit } from './mapping.js';
import type { GitHubSettings } from './settings.js';
import { storyThread } from './story-thread.js';
import { requestTimeout } from './request-timeout.js';
import { vouchesFor, type SentProof } from './sent-proof.js';

const PER_PAGE = 100;
/** Pages one pull reads at most: a longer gap resumes at the next pull, it is never cut. */
export const STORY_PAGES_PER_PULL = 10;

export interface StoryContext {
  api: GitHubApi;
  settings: GitHubSettings;
  now: () => number;
  /** When the pull began (epoch ms): its requests' time limits are the pull's (request-timeout.ts). */
  startedAt: number;
  /** GitHub time the issue listing last caught up at: only events before it are told, after their tickets. */
  caughtUpAt: number | undefined;
  /** What this pull's caught-up issue listing proves sent (sent-proof.ts), if it caught up. */
  proof?: SentProof | undefined;
  /** Whether this issue passes the channel's filters (labels, pull requests). */
  isEligible: (issue: NonNullable<GhIssueEvent['issue']>) => boolean;
}

export interface StoryOutcome {
  cursor: EventsCursor | undefined;
  more: boolean;
  /** Why the scan paused: GitHub's answer, or the way to it (Desk's Invoke) failing. */
  error?: AppError;
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
  // Until the issues are read once, events have no tickets to go to; keep waiting.
  if (ctx.caughtUpAt === undefined) return { cursor: previous, more: false };
  const scan = startScan(repo, previous, ctx.caughtUpAt);
  for (let read = 0; read < STORY_PAGES_PER_PULL; read++) {
    if (ctx.now() >= budget.deadline) return paused(scan, true);
    let res: ApiResult<unknown>;
    let told: ReturnType<typeof tellPage>;
    try {
      res = await readEventsPage(scan, budget, ctx);
      if (res.notModified) return { cursor: previous, more: false };
      told = tellPage(scan, eventsOf(repo, res), budget, batch, ctx);
    } catch (err) {
      // Any failure (GitHub's answer, Desk's Invoke on the way, an unreadable event) pauses
      // the scan after the last event told, so what this pull delivered is not told again.
      return { ...paused(scan, false), error: isAppError(err) ? err : new AppError('INTERNAL', 'issue story failed', { cause: err }) };
    }
    if (told.stop === 'full') return paused(scan, true);
    if (scan.page === 1 && !scan.resuming && !told.waited && res.etag && res.etag.length <= 100) scan.etag = res.etag;
    scan.page++;
    if (told.stop === 'end' || (res.data as unknown[]).length < PER_PAGE || !res.nextUrl) return finished(scan);
  }
  return paused(scan, true);
}

/** Where one pull's scan of the events is: resumed from the cursor, or from the newest page. */
interface Scan {
  repo: string;
  previous: EventsCursor | undefined;
  caughtUpAt: number;
  resuming: boolean;
  /** The last event handled by a finished scan. */
  h: number | undefined;
  /** The newest event this scan told, and the oldest. */
  top: number | undefined;
  lowest: number;
  page: number;
  etag?: string;
}

function startScan(repo: string, previous: EventsCursor | undefined, caughtUpAt: number): Scan {
  const resuming = previous?.t !== undefined;
  return {
    repo,
    previous,
    caughtUpAt,
    resuming,
    h: previous?.h,
    top: resuming ? previous!.t : undefined,
    lowest: resuming ? (previous!.x ?? previous!.t!) : Number.POSITIVE_INFINITY,
    page: resuming ? (previous!.p ?? 1) : 1,
  };
}

/** Stopped before reaching h: resume where it was (a page early), or keep the cursor if nothing was told. */
function paused(scan: Scan, more: boolean): StoryOutcome {
  if (scan.top === undefined) return { cursor: scan.previous, more };
  return { cursor: { h: scan.h ?? 0, t: scan.top, x: scan.lowest, p: Math.max(1, scan.page - 1) }, more };
}

function finished(scan: Scan): StoryOutcome {
  const cursor: EventsCursor = { h: Math.max(scan.h ?? 0, scan.top ?? 0) };
  // The ETag stands for "nothing new" only when the scan told everything on page 1.
  if (scan.etag && scan.top === undefined) cursor.e = scan.etag;
  return { cursor, more: false };
}

function readEventsPage(scan: Scan, budget: Budget, ctx: StoryContext): Promise<ApiResult<unknown>> {
  return ctx.api.request<unknown>('GET', `/repos/${scan.repo}/issues/events`, {
    query: { per_page: String(PER_PAGE), page: String(scan.page) },
    etag: !scan.resuming && scan.page === 1 ? scan.previous?.e : undefined,
    timeoutMs: requestTimeout(ctx, budget.deadline),
  });
}

/** The page's events, each checked as it is reached (what lies past h is never read). */
function eventsOf(repo: string, res: ApiResult<unknown>): Iterable<GhIssueEvent> {
  const data = res.data;
  if (!Array.isArray(data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/events: not a list`, res.status);
  return (function* () {
    for (const raw of data as unknown[]) {
      const e = readIssueEvent(raw);
      if (!e) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/events: an item lacks required fields`, res.status);
      yield e;
    }
  })();
}

/**
 * One page, newest first: stops at h ('end'), or when the batch is full ('full'); an
 * event after the issue listing caught up waits for the next pull (waited).
 */
function tellPage(scan: Scan, events: Iterable<GhIssueEvent>, budget: Budget, batch: SyncBatch, ctx: StoryContext): { stop?: 'end' | 'full'; waited: boolean } {
  let waited = false;
  for (const e of events) {
    if (scan.h !== undefined && e.id <= scan.h) return { stop: 'end', waited };
    if (scan.top !== undefined && e.id > scan.top) continue; // newer than this scan: the next one tells it
    if (e.id >= scan.lowest) continue; // told already (a page read twice)
    if (scan.top === undefined && e.createdAt >= scan.caughtUpAt) {
      waited = true; // its issue may not be in Desk yet
      continue;
    }
    // The first pull starts the story now: the ticket's card shows how the issue stands.
    if (scan.h !== undefined && !tell(scan.repo, e, budget, batch, ctx)) return { stop: 'full', waited };
    scan.top ??= e.id;
    scan.lowest = e.id;
    if (scan.h === undefined) return { stop: 'end', waited };
  }
  return { waited };
}

/**
 * Adds the event's thread; false when the batch has no room (the scan resumes at it).
 * The ticket comes along, mapped from the issue the event carries, unless this answer
 * has it or this pull's issue listing proves Desk has it (the issue, as the event shows
 * it now, was last updated before the listing's horizon): an issue updated again past
 * the listing may never have been sent. Its body thread is left to the issue stream.
 */
function tell(repo: string, e: GhIssueEvent, budget: Budget, batch: SyncBatch, ctx: StoryContext): boolean {
  const thread = storyThread(repo, e);
  if (!thread || !e.issue || !ctx.isEligible(e.issue) || e.createdAt < ctx.settings.importSince) return true;
  if (batch.hasTicket(thread.extParentId)) return batch.add({ tickets: [], threads: [thread] }, budget);
  if (vouchesFor(ctx.proof, e.issue.number, e.issue.updatedAt, ctx.settings))
    return batch.add({ tickets: [], threads: [thread] }, budget, new Set([thread.extParentId]));
  return batch.add({ tickets: [issueUnit(repo, e.issue).tickets[0]!], threads: [thread] }, budget);
}
