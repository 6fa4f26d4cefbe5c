import { AppError } from '../../errors.js';
import type { ReplyResource } from '../../desk/normalise.js';
import { GitHubError, type GitHubApi } from './api.js';
import { parseExtId, ticketExtId } from './ext-ids.js';
import { readComment } from './github-types.js';

export interface ReplyTarget {
  repo: string;
  issue: number;
  /** The ticket's extId as Desk knows it: extParentId when it names this issue (either form), else ours. */
  ticket: string;
}

/**
 * The issue a reply goes to. Desk names it by extParentId (the ticket) or only by
 * replyToExtId (the thread replied to; Zoho's samples read both, extParentId first):
 * any of our extIds (ticket, issue body, comment, in either form) names an issue of
 * a repository this installation syncs. A comment's extId does not carry its issue's
 * number, so GitHub is asked which issue the comment is on (one request).
 */
export async function replyTarget(resource: ReplyResource, api: GitHubApi, repositories: readonly string[]): Promise<ReplyTarget> {
  for (const extId of [resource.extParentId, resource.replyToExtId]) {
    const id = extId === undefined ? undefined : parseExtId(extId);
    // A story thread (issue event) is sent with canReply false: a reply to one names no issue.
    if (!id || id.kind === 'event' || !repositories.includes(id.repo)) continue;
    const issue = id.kind === 'comment' ? await issueOfComment(api, id.repo, id.comment) : id.issue;
    if (issue !== undefined) return { repo: id.repo, issue, ticket: deskTicket(resource, id.repo, issue) };
  }
  throw new AppError('REPLY_TARGET_INVALID', 'the reply does not name an issue of a repository this installation syncs');
}

/** A ticket made by the first packages keeps its `#` extId in Desk: the answer names it as the push did. */
function deskTicket(resource: ReplyResource, repo: string, issue: number): string {
  for (const extId of [resource.extParentId, resource.replyToExtId]) {
    const named = extId === undefined ? undefined : parseExtId(extId);
    if (named?.kind === 'ticket' && named.repo === repo && named.issue === issue) return extId!;
  }
  return ticketExtId(repo, issue);
}

async function issueOfComment(api: GitHubApi, repo: string, comment: number): Promise<number | undefined> {
  try {
    const res = await api.request<unknown>('GET', `/repos/${repo}/issues/comments/${comment}`);
    return readComment(res.data)?.issueNumber;
  } catch (err) {
    if (err instanceof GitHubError && err.upstreamStatus === 404) return undefined;
    throw err;
  }
}
