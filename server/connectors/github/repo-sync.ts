import { AppError } from '../../errors.js';
import type { Budget } from '../../sync/budget.js';
import type { SyncBatch } from '../../sync/batch.js';
import type { SourceOutcome } from '../../sync/connector.js';
import type { RepoCursor } from './wire-types.js';
import { storableEtag } from './cursor.js';
import { drainStream, type DrainResult, type StreamCursor, type StreamPage, type StreamSource, type Verdict } from '../../sync/stream.js';
import { GitHubError, MEDIA_FULL, MEDIA_HTML, type GitHubApi } from './api.js';
import { readComment, readIssue, type GhComment, type GhIssue } from './github-types.js';
import { commentThread, issueUnit } from './mapping.js';
import { ticketExtId } from './ext-ids.js';
import type { GitHubSettings } from './settings.js';
import { syncStory, type StoryOutcome } from './story.js';
import { requestTimeout } from './request-timeout.js';

/** Seconds before GitHub's clock that a read settles to (see sync/stream.ts). */
export const SETTLE_SECONDS = 5;
const PER_PAGE = 100;

interface Item<T> {
  time: number;
  id: number;
  value: T;
}

export interface RepoSyncContext {
  api: GitHubApi;
  settings: GitHubSettings;
  now: () => number;
  /** Threads one repository can send in a pull with nothing else waiting (its fair share of the cap). */
  threadsPerPull: number;
  /** When the pull started (epoch ms), to size a request's grace past the deadline. */
  startedAt: number;
  /** True for a comment this installation posted from Desk (see marker.ts). */
  isOwnReply: (ticket: string, body: string) => boolean;
}

/**
 * One repository's share of a pull: its issues first (tickets and their first
 * threads), then its comments (threads). A comment goes out only when Desk has, or
 * this response carries, its issue's ticket.
 */
export async function syncRepository(
  repo: string,
  previous: RepoCursor | undefined,
  budget: Budget,
  batch: SyncBatch,
  ctx: RepoSyncContext,
): Promise<SourceOutcome<RepoCursor>> {
  const { settings } = ctx;
  const start = { t: settings.importSince };
  const cursor: RepoCursor = { i: previous?.i ?? start, c: previous?.c ?? start };
  if (previous?.u !== undefined) cursor.u = previous.u;
  const etags = previous?.e ?? {};
  const eligible = new Map<number, boolean>();

  // What the listing saw of each issue, so a comment is vouched for only when the listing proves its ticket sent (SentProof).
  const listing = watchListing(
    listSource(
      ctx,
      repo,
      'issues',
      readIssue,
      (i) => i.updatedAt,
      (i) => i.number,
      budget.deadline,
    ),
  );
  const issues = await drainStream(listing.source, {
    cursor: cursor.i!,
    etag: etags.i,
    deadline: budget.deadline,
    now: ctx.now,
    settleSeconds: SETTLE_SECONDS,
    accept: (item) => acceptIssue(repo, item.value, cursor.c!.t, eligible, budget, batch, ctx),
    // An issue costs a ticket and its body's thread.
    room: () => Math.min(budget.remaining.tickets, budget.remaining.threads),
  });
  cursor.i = issues.cursor;
  if (issues.caughtUp) cursor.u = issues.horizon;
  const proof = issues.caughtUp ? listing.proof(issues.horizon) : undefined;

  // Comments need their issues settled first: after an issue failure, wait for the next pull.
  const comments =
    issues.stoppedBy === 'error'
      ? undefined
      : await drainStream(
          listSource(
            ctx,
            repo,
            'issues/comments',
            readComment,
            (c) => c.updatedAt,
            (c) => c.id,
            budget.deadline,
          ),
          {
            cursor: cursor.c!,
            etag: etags.c,
            deadline: budget.deadline,
            now: ctx.now,
            settleSeconds: SETTLE_SECONDS,
            accept: (item) => acceptComment(repo, item.value, proof, eligible, budget, batch, ctx),
            room: () => budget.remaining.threads,
          },
        );
  if (comments) cursor.c = comments.cursor;

  const story = await storyOf(repo, previous?.ev, issues.error ?? comments?.error, budget, batch, { ...ctx, caughtUpAt: cursor.u });
  if (story?.cursor) cursor.ev = story.cursor;

  const e: RepoCursor['e'] = {};
  const issuesEtag = storableEtag(issues.etag);
  const commentsEtag = storableEtag(comments?.etag);
  if (issuesEtag) e.i = issuesEtag;
  if (commentsEtag) e.c = commentsEtag;
  if (e.i || e.c) cursor.e = e;

  return outcomeOf(cursor, issues, comments, story);
}

/** An issue of the stream: its ticket and first thread, with its earlier comments under a label filter. */
async function acceptIssue(
  repo: string,
  issue: GhIssue,
  commentsSince: number,
  eligible: Map<number, boolean>,
  budget: Budget,
  batch: SyncBatch,
  ctx: RepoSyncContext,
): Promise<Verdict> {
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

/**
 * The issue's story (closed, labelled, …) comes after its tickets: after a failure of
 * the issues or comments, it waits for the next pull; opting out drops the cursor.
 */
async function storyOf(
  repo: string,
  previous: RepoCursor['ev'],
  failed: unknown,
  budget: Budget,
  batch: SyncBatch,
  ctx: RepoSyncContext & { caughtUpAt?: number | undefined },
): Promise<StoryOutcome | undefined> {
  const { settings } = ctx;
  if (!settings.storyThreads) return undefined;
  if (failed !== undefined) return { cursor: previous, more: false };
  return syncStory(repo, previous, budget, batch, {
    api: ctx.api,
    settings,
    now: ctx.now,
    startedAt: ctx.startedAt,
    caughtUpAt: ctx.caughtUpAt,
    isEligible: (i) => isEligible(i, settings),
  });
}

function outcomeOf(cursor: RepoCursor, issues: DrainResult, comments: DrainResult | undefined, story: StoryOutcome | undefined): SourceOutcome<RepoCursor> {
  const failure = issues.error ?? comments?.error ?? story?.error;
  const error =
    failure === undefined ? undefined : failure instanceof AppError ? failure : new AppError('INTERNAL', 'repository sync failed', { cause: failure });
  const more =
    issues.stoppedBy === 'budget' || issues.stoppedBy === 'time' || comments?.stoppedBy === 'budget' || comments?.stoppedBy === 'time' || story?.more;
  const horizon = Math.max(issues.horizon, comments?.horizon ?? 0);
  const lag = more || error ? Math.max(0, horizon - Math.min(cursor.i!.t, cursor.c!.t)) : 0;
  return {
    cursor,
    more: !!more,
    lag,
    ...(error ? { error } : {}),
    ...(error instanceof GitHubError && error.until ? { coolDownUntil: error.until } : {}),
  };
}

async function acceptComment(
  repo: string,
  c: GhComment,
  proof: SentProof | undefined,
  eligible: Map<number, boolean>,
  budget: Budget,
  batch: SyncBatch,
  ctx: RepoSyncContext,
): Promise<Verdict> {
  const { settings } = ctx;
  if (c.onPull && !settings.includePullRequests) return 'skipped';
  const ticket = ticketExtId(repo, c.issueNumber);
  // Our own replies from Desk: Desk already has them as the agent's reply.
  if (ctx.isOwnReply(ticket, c.body)) return 'skipped';
  const thread = commentThread(repo, c);

  if (batch.hasTicket(ticket)) return batch.add({ tickets: [], threads: [thread] }, budget) ? 'included' : 'no-room';
  // Without a label filter, the issue listing of this pull proves a ticket sent when the
  // comment (so its issue) is older than the listing's horizon and the listing did not
  // see the issue at or past it: a comment is never older than its issue (SentProof).
  const provablySent =
    settings.labels.length === 0 &&
    proof !== undefined &&
    c.createdAt >= settings.importSince &&
    c.createdAt < proof.before &&
    !proof.unsettled.has(c.issueNumber);
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

/**
 * What a caught-up issue listing proves: every issue that existed before `before` was
 * listed, and was sent (by this pull or an earlier one) unless the listing saw it
 * updated at or past `before` -- such an issue (written to within the settle window,
 * maybe at every pull) may never have been sent, though its older comments have settled.
 */
interface SentProof {
  before: number;
  unsettled: ReadonlySet<number>;
}

/**
 * Records each issue's update time as the listing serves it. The proof needs every
 * issue past the horizon seen: a listing that stopped on a full page has more unread,
 * so it proves nothing (its comments read their issue instead).
 */
function watchListing(inner: StreamSource<Item<GhIssue>>): { source: StreamSource<Item<GhIssue>>; proof: (horizon: number) => SentProof | undefined } {
  const listed = new Map<number, number>();
  let lastPageFull = false;
  return {
    source: {
      async fetch(req) {
        const page = await inner.fetch(req);
        for (const item of page.items) listed.set(item.id, Math.max(item.time, listed.get(item.id) ?? item.time));
        lastPageFull = page.full;
        return page;
      },
    },
    proof(horizon) {
      if (lastPageFull) return undefined;
      return { before: horizon, unsettled: new Set([...listed].filter(([, t]) => t >= horizon).map(([n]) => n)) };
    },
  };
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

export function isEligible(issue: GhIssue, settings: GitHubSettings): boolean {
  if (issue.pull && !settings.includePullRequests) return false;
  return settings.labels.every((l) => issue.labels.includes(l));
}

/** A GitHub list endpoint as a change stream: sorted by update time, ascending, `since` inclusive. */
function listSource<T>(
  ctx: RepoSyncContext,
  repo: string,
  list: 'issues' | 'issues/comments',
  read: (x: unknown) => T | undefined,
  timeOf: (t: T) => number,
  idOf: (t: T) => number,
  deadline: number,
): StreamSource<Item<T>> {
  const { settings } = ctx;
  return {
    async fetch(req): Promise<StreamPage<Item<T>>> {
      const query: Record<string, string> = {
        sort: 'updated',
        direction: 'asc',
        since: new Date(req.since * 1000).toISOString().replace('.000Z', 'Z'),
        per_page: String(PER_PAGE),
      };
      if (list === 'issues') {
        query.state = 'all';
        if (settings.labels.length > 0) query.labels = settings.labels.join(',');
      }
      const timeoutMs = requestTimeout(ctx, deadline);
      // Issues need only their HTML; comments also their Markdown (our reply marker lives there).
      const accept = list === 'issues' ? MEDIA_HTML : MEDIA_FULL;
      const signal = req.signal ? { signal: req.signal } : {};
      const res = req.pageUrl
        ? await ctx.api.request<unknown>('GET', req.pageUrl, { timeoutMs, accept, ...signal })
        : await ctx.api.request<unknown>('GET', `/repos/${repo}/${list}`, { query, etag: req.etag, timeoutMs, accept, ...signal });
      const base = { ...(res.etag ? { etag: res.etag } : {}), ...(res.serverTime ? { serverTime: res.serverTime } : {}) };
      if (res.notModified) return { items: [], full: false, notModified: true, ...base };
      if (!Array.isArray(res.data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/${list}: not a list`, res.status);
      const items = res.data.map((raw) => {
        const v = read(raw);
        if (v === undefined) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/${list}: an item lacks required fields`, res.status);
        return { time: timeOf(v), id: idOf(v), value: v };
      });
      return { items, full: res.data.length >= PER_PAGE, ...(res.nextUrl ? { nextUrl: res.nextUrl } : {}), ...base };
    },
  };
}

export type { StreamCursor };
