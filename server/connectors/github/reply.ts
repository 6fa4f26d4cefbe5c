import { AppError } from '../../errors.js';
import type { SyncThread } from '../../desk/wire-types.js';
import type { ReplyResource } from '../../desk/normalise.js';
import { GitHubError, MEDIA_FULL, type GitHubApi } from './api.js';
import { commentThreadExtId, markerTicket } from './ext-ids.js';
import { replyTarget } from './reply-target.js';
import { readComment, type GhComment } from './github-types.js';
import { actorOf, contentOf, iso } from './mapping.js';
import { hasMarker, replyKey, withMarker } from './marker.js';
import type { ReplyPlan } from '../../replies/engine.js';
import { GITHUB_COMMENT_LIMIT, replyMarkdown } from './reply-markdown.js';

export { replyMarkdown } from './reply-markdown.js';

/** How far back a retried reply is looked for. Desk's retry timing is undocumented; a day is generous. */
const LOOKBACK_SECONDS = 24 * 3600;
const PER_PAGE = 100;
/**
 * Pages of the last day's comments searched for a reply's marker, newest first: 30,000
 * comments in a day is far past any issue GitHub serves (its UI stops at 2,500).
 */
const MAX_LOOKUP_PAGES = 300;

export interface ReplyContext {
  api: GitHubApi;
  secret: string;
  orgId: string;
  repositories: readonly string[];
  now: () => number;
}

/**
 * An agent's reply as a comment on the issue, through the reply engine (server/replies):
 * the comment carries a key derived from the reply, so a push that Desk sends again
 * finds the comment it already made instead of posting another (design invariant 6).
 * Replicas racing on the same reply may both post; every push that finds several marked
 * comments keeps the oldest and deletes the rest (again on later pushes, if a DELETE
 * fails), so all answer with the same comment.
 */
export async function replyPlan(resource: ReplyResource, ctx: ReplyContext): Promise<ReplyPlan<GhComment>> {
  const markdown = replyMarkdown(resource);
  if (!markdown) throw new AppError('REPLY_EMPTY', 'the reply has no text');
  const { repo, issue, ticket: deskTicket } = await replyTarget(resource, ctx.api, ctx.repositories);
  const ticket = markerTicket(repo, issue);
  const key = replyKey(ctx.secret, { orgId: ctx.orgId, ticket }, markdown);
  const body = withMarker(markdown, key);
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new AppError(
      'REPLY_TOO_LONG',
      `the reply is ${markdown.length} characters of Markdown; GitHub takes at most ${GITHUB_COMMENT_LIMIT - (body.length - markdown.length)}`,
    );
  }
  // The issue's comments as the place the reply stands once.
  const path = `/repos/${repo}/issues/${issue}/comments`;
  return {
    key,
    place: {
      find: () => findReplies(ctx, path, key),
      post: async () => readComment((await ctx.api.request<unknown>('POST', path, { body: { body }, accept: MEDIA_FULL })).data),
      remove: async (c) => void (await ctx.api.request('DELETE', `/repos/${repo}/issues/comments/${c.id}`)),
      same: (a, b) => a.id === b.id,
      what: 'reply',
    },
    thread: (c) => threadOf(repo, deskTicket, c),
    fail: (err) => rethrowForReply(err, ctx, repo),
    undescribed: () => new AppError('UPSTREAM_BAD_RESPONSE', 'GitHub accepted the comment but did not describe it'),
  };
}

/**
 * Comments on the issue carrying this reply's key, oldest (lowest id) first. GitHub
 * lists an issue's comments oldest first, and the reply is recent: the pages are read
 * from the last one back, so a busy issue is searched newest first.
 */
async function findReplies(ctx: ReplyContext, path: string, key: string): Promise<GhComment[]> {
  const since = new Date((Math.floor(ctx.now() / 1000) - LOOKBACK_SECONDS) * 1000).toISOString().replace('.000Z', 'Z');
  const found: GhComment[] = [];
  const read = async (page: number) => {
    const query: Record<string, string> = { since, per_page: String(PER_PAGE), ...(page > 1 ? { page: String(page) } : {}) };
    const res = await ctx.api.request<unknown>('GET', path, { query, accept: MEDIA_FULL });
    if (!Array.isArray(res.data)) throw new AppError('UPSTREAM_BAD_RESPONSE', `GitHub GET ${path}: not a list`);
    for (const raw of res.data) {
      const c = readComment(raw);
      if (c && hasMarker(c.body, key)) found.push(c);
    }
    return res;
  };
  const first = await read(1);
  const last = lastPage(first.lastUrl, path);
  // The list may grow while it is read (a replica posting the same reply in the same
  // second, whose order within that second GitHub leaves open, can push ours a page
  // further): from the last page, read on while GitHub names a next one.
  let tail = last > 1 ? await read(last) : first;
  for (let page = last + 1; tail.nextUrl && page <= last + MAX_LOOKUP_PAGES; page++) tail = await read(page);
  for (let page = last - 1; page > Math.max(1, last - MAX_LOOKUP_PAGES); page--) await read(page);
  return found.sort((a, b) => a.id - b.id);
}

/** The page number of Link rel="last" (1 when there is one page only). */
function lastPage(lastUrl: string | undefined, path: string): number {
  if (!lastUrl) return 1;
  const page = Number(URL.parse(lastUrl)?.searchParams.get('page'));
  if (!Number.isSafeInteger(page) || page < 1) throw new AppError('UPSTREAM_BAD_RESPONSE', `GitHub GET ${path}: a Link rel="last" without a page number`);
  return page;
}

/** Says what a failed reply means for the agent: locked, deleted, missing repository… */
async function rethrowForReply(err: unknown, ctx: ReplyContext, repo: string): Promise<never> {
  if (!(err instanceof GitHubError)) throw err;
  if (err.upstreamStatus === 403 && /locked/i.test(err.upstreamMessage)) throw new AppError('ISSUE_LOCKED', 'the GitHub issue is locked', { cause: err });
  if (err.upstreamStatus === 410) {
    if (/disabled/i.test(err.upstreamMessage)) throw new AppError('SOURCE_DISABLED', 'issues are disabled for this repository', { cause: err });
    throw new AppError('ISSUE_NOT_FOUND', 'the GitHub issue was deleted', { cause: err });
  }
  if (err.upstreamStatus === 404) {
    const repoExists = await ctx.api.request('GET', `/repos/${repo}`).then(
      () => true,
      (e: unknown) => !(e instanceof GitHubError && e.upstreamStatus === 404),
    );
    if (!repoExists) throw new AppError('SOURCE_NOT_FOUND', 'the repository does not exist or the GitHub account cannot see it', { cause: err });
    throw new AppError('ISSUE_NOT_FOUND', 'the GitHub issue does not exist or was transferred', { cause: err });
  }
  if (err.upstreamStatus === 422) {
    if (/too long/i.test(err.upstreamMessage)) throw new AppError('REPLY_TOO_LONG', 'GitHub refused the reply as too long', { cause: err });
    throw new AppError('REPLY_EMPTY', "GitHub refused the reply's text", { cause: err });
  }
  throw err;
}

function threadOf(repo: string, ticket: string, c: GhComment): SyncThread {
  const actor = actorOf(c.user);
  return {
    extId: commentThreadExtId(repo, c.id),
    extParentId: ticket,
    createdTime: iso(c.createdAt),
    content: c.bodyHtml ? contentOf(c.bodyHtml) : '<p></p>',
    contentType: 'text/html',
    direction: 'out',
    from: actor.name,
    canReply: true,
    actor,
  };
}
