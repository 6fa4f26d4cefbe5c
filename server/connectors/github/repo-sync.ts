import { AppError } from '../../errors.js';
import type { Budget } from '../../sync/budget.js';
import type { SyncBatch } from '../../sync/batch.js';
import type { SourceOutcome } from '../../sync/connector.js';
import type { RepoCursor } from './wire-types.js';
import { storableEtag } from './cursor.js';
import { drainStream, type DrainResult, type StreamCursor } from '../../sync/stream.js';
import { GitHubError } from './api.js';
import { readComment, readIssue } from './github-types.js';
import { syncStory, type StoryOutcome } from './story.js';
import { acceptComment, acceptIssue, isEligible, type AcceptScope } from './accept.js';
import { listSource } from './list-source.js';
import { watchListing, type SentProof } from './sent-proof.js';
import type { RepoSyncContext } from './repo-sync-context.js';

export type { RepoSyncContext };

/** Seconds before GitHub's clock that a read settles to (see sync/stream.ts). */
export const SETTLE_SECONDS = 5;

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
  const scope: AcceptScope = { repo, eligible: new Map(), budget, batch, ctx };

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
    accept: (item) => acceptIssue(item.value, cursor.c!.t, scope),
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
            accept: (item) => acceptComment(item.value, proof, scope),
            room: () => budget.remaining.threads,
          },
        );
  if (comments) cursor.c = comments.cursor;

  const story = await storyOf(repo, previous?.ev, issues.error ?? comments?.error, budget, batch, { ...ctx, caughtUpAt: cursor.u, proof });
  if (story?.cursor) cursor.ev = story.cursor;

  const e: RepoCursor['e'] = {};
  const issuesEtag = storableEtag(issues.etag);
  const commentsEtag = storableEtag(comments?.etag);
  if (issuesEtag) e.i = issuesEtag;
  if (commentsEtag) e.c = commentsEtag;
  if (e.i || e.c) cursor.e = e;

  return outcomeOf(cursor, issues, comments, story);
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
  ctx: RepoSyncContext & { caughtUpAt?: number | undefined; proof?: SentProof | undefined },
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
    proof: ctx.proof,
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

export type { StreamCursor };
