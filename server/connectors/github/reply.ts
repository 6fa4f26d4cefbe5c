import TurndownService from 'turndown';
import { AppError } from '../../errors.js';
import type { PushResource, SyncThread } from '../../desk/wire-types.js';
import { GitHubError, MEDIA_FULL, type GitHubApi } from './api.js';
import { commentThreadExtId, parseExtId, ticketExtId } from './ext-ids.js';
import { readComment, type GhComment } from './github-types.js';
import { actorOf, iso } from './mapping.js';
import { hasMarker, replyKey, withMarker } from './marker.js';

/** How far back a retried reply is looked for. Desk's retry timing is undocumented; a day is generous. */
const LOOKBACK_SECONDS = 24 * 3600;
const MAX_LOOKUP_PAGES = 10;

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
turndown.remove(['script', 'style', 'head', 'title', 'iframe', 'object']);

/** An agent's reply (HTML from Desk's editor) as GitHub Markdown. */
export function replyMarkdown(resource: Pick<PushResource, 'content' | 'summary'>): string {
  const fromHtml = resource.content ? turndown.turndown(resource.content).trim() : '';
  return fromHtml || (resource.summary ?? '').trim();
}

export interface ReplyContext {
  api: GitHubApi;
  secret: string;
  orgId: string;
  repositories: readonly string[];
  now: () => number;
}

/**
 * Posts an agent's reply as a comment on the issue, exactly once: the comment carries
 * a key derived from the reply, so a push that Desk sends again finds the comment it
 * already made instead of posting another (design invariant 6). Two replicas racing
 * on the same reply may both post; each then keeps the oldest and deletes the rest,
 * so both answer with the same comment and one remains.
 */
export async function postReply(resource: PushResource, ctx: ReplyContext): Promise<SyncThread> {
  const target = (resource.extParentId && parseExtId(resource.extParentId)) || (resource.replyToExtId && parseExtId(resource.replyToExtId));
  if (!target || target.kind === 'comment' || target.kind === 'event' || !ctx.repositories.includes(target.repo)) {
    throw new AppError('REPLY_TARGET_INVALID', 'the reply does not name an issue of a repository this installation syncs');
  }
  const { repo, issue } = target;
  const markdown = replyMarkdown(resource);
  if (!markdown) throw new AppError('REPLY_EMPTY', 'the reply has no text');
  const ticket = ticketExtId(repo, issue);
  const key = replyKey(ctx.secret, { orgId: ctx.orgId, ticket }, markdown);
  const path = `/repos/${repo}/issues/${issue}/comments`;

  const already = await findReplies(ctx, path, key).catch((err: unknown) => rethrowForReply(err, ctx, repo));
  if (already[0]) return threadOf(repo, issue, already[0]);

  let posted: GhComment | undefined;
  try {
    const res = await ctx.api.request<unknown>('POST', path, { body: { body: withMarker(markdown, key) }, accept: MEDIA_FULL });
    posted = readComment(res.data);
  } catch (err) {
    // The comment may exist even though the answer was lost: look before reporting failure.
    const found = await findReplies(ctx, path, key).catch(() => []);
    if (found[0]) return threadOf(repo, issue, found[0]);
    return rethrowForReply(err, ctx, repo);
  }
  const all = await findReplies(ctx, path, key).catch(() => (posted ? [posted] : []));
  const keep = all[0] ?? posted;
  if (!keep) throw new AppError('GITHUB_BAD_RESPONSE', 'GitHub accepted the comment but did not describe it');
  for (const extra of all.slice(1)) {
    await ctx.api.request('DELETE', `/repos/${repo}/issues/comments/${extra.id}`).catch(() => undefined);
  }
  return threadOf(repo, issue, keep);
}

/** Comments on the issue carrying this reply's key, oldest (lowest id) first. */
async function findReplies(ctx: ReplyContext, path: string, key: string): Promise<GhComment[]> {
  const since = new Date((Math.floor(ctx.now() / 1000) - LOOKBACK_SECONDS) * 1000).toISOString().replace('.000Z', 'Z');
  const found: GhComment[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
    const res = next
      ? await ctx.api.request<unknown>('GET', next, { accept: MEDIA_FULL })
      : await ctx.api.request<unknown>('GET', path, { query: { since, per_page: '100' }, accept: MEDIA_FULL });
    if (!Array.isArray(res.data)) throw new AppError('GITHUB_BAD_RESPONSE', `GitHub GET ${path}: not a list`);
    for (const raw of res.data) {
      const c = readComment(raw);
      if (c && hasMarker(c.body, key)) found.push(c);
    }
    next = res.nextUrl;
    if (!next) break;
  }
  return found.sort((a, b) => a.id - b.id);
}

/** Says what a failed reply means for the agent: locked, deleted, missing repository… */
async function rethrowForReply(err: unknown, ctx: ReplyContext, repo: string): Promise<never> {
  if (!(err instanceof GitHubError)) throw err;
  if (err.upstreamStatus === 403 && /locked/i.test(err.message)) throw new AppError('ISSUE_LOCKED', 'the GitHub issue is locked', { cause: err });
  if (err.upstreamStatus === 410) {
    if (/disabled/i.test(err.message)) throw new AppError('GITHUB_ISSUES_DISABLED', 'issues are disabled for this repository', { cause: err });
    throw new AppError('ISSUE_NOT_FOUND', 'the GitHub issue was deleted', { cause: err });
  }
  if (err.upstreamStatus === 404) {
    const repoExists = await ctx.api.request('GET', `/repos/${repo}`).then(
      () => true,
      (e: unknown) => !(e instanceof GitHubError && e.upstreamStatus === 404),
    );
    if (!repoExists) throw new AppError('GITHUB_REPO_NOT_FOUND', 'the repository does not exist or the GitHub account cannot see it', { cause: err });
    throw new AppError('ISSUE_NOT_FOUND', 'the GitHub issue does not exist or was transferred', { cause: err });
  }
  if (err.upstreamStatus === 422) throw new AppError('REPLY_EMPTY', 'GitHub refused the reply\'s text', { cause: err });
  throw err;
}

function threadOf(repo: string, issue: number, c: GhComment): SyncThread {
  const actor = actorOf(c.user);
  return {
    extId: commentThreadExtId(repo, c.id),
    extParentId: ticketExtId(repo, issue),
    createdTime: iso(c.createdAt),
    content: c.bodyHtml || '<p></p>',
    contentType: 'text/html',
    direction: 'out',
    from: actor.name,
    canReply: true,
    actor,
  };
}
