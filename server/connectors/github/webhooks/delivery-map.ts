import { escapeText } from '../story-thread.js';
import type { SyncUnit } from '../../../sync/batch.js';
import { readComment, readIssue, type GhIssue } from '../github-types.js';
import { commentThread, issueUnit } from '../mapping.js';
import { isEligible } from '../accept.js';
import { isOwnCount, isOwnReply } from '../marker.js';
import { markerTicket } from '../ext-ids.js';
import type { GitHubSettings } from '../settings.js';
import type { HookTarget } from './seal.js';
import { STORY_ACTIONS } from './delivery-story.js';

export type Mapped = { kind: 'unit'; unit: SyncUnit; updatedAt: number; issue: GhIssue; action: string } | { kind: 'ignored'; why: string };

/** GitHub's actions are lower-case words: anything else is read as none (it reaches log lines and answers). */
const ACTION = /^[a-z_]{1,40}$/;

/** `issues` actions that change what the ticket's card shows: the ticket is re-sent (the story's ones with their threads). */
const TICKET_ACTIONS = new Set([...STORY_ACTIONS, 'transferred']);

/**
 * One verified delivery as SYNC items, through the pull's own mapping (mapping.ts) and
 * filters (repo-sync.ts isEligible, marker.ts isOwnReply), so a delivery and a later
 * pull say the same thing under the same extIds.
 *
 * Webhook payloads carry Markdown only (no body_html): the body is shown as escaped
 * text until the next pull re-sends the item with GitHub's rendering (same extId, an
 * update). Story threads are not made here: their extIds are the issue events' ids,
 * which a delivery does not carry; the route reads them (delivery-story.ts).
 */
export function mapDelivery(event: string, payload: unknown, target: HookTarget, secret: string): Mapped {
  if (typeof payload !== 'object' || payload === null) return { kind: 'ignored', why: 'not an object' };
  const p = payload as Record<string, unknown>;
  const action = typeof p.action === 'string' && ACTION.test(p.action) ? p.action : '';
  const raw = withHtml(p.issue);
  const issue = readIssue(raw);
  if (!issue) return { kind: 'ignored', why: 'no readable issue' };
  const settings = settingsOf(target);
  if (!isEligible(issue, settings)) return { kind: 'ignored', why: issue.pull ? 'pull request (pull requests are off)' : 'filtered out by labels' };
  const repo = target.r;

  if (event === 'issues') {
    if (action === 'deleted') return { kind: 'ignored', why: 'issues.deleted: Desk keeps the ticket' };
    const unit = issueUnit(repo, issue);
    // Only opening and editing change the body; other actions re-send the ticket (its card).
    if (action !== 'opened' && action !== 'edited') {
      if (!TICKET_ACTIONS.has(action)) return { kind: 'ignored', why: `issues.${action || '(no action)'} is not mapped` };
      unit.threads = [];
    }
    return { kind: 'unit', unit, updatedAt: issue.updatedAt, issue, action };
  }
  if (event === 'issue_comment') {
    if (action !== 'created' && action !== 'edited') return { kind: 'ignored', why: `issue_comment.${action || '(no action)'} is not mapped` };
    const comment = readComment(withIssueUrl(withHtml(p.comment), raw));
    if (!comment) return { kind: 'ignored', why: 'no readable comment' };
    // Our own replies from Desk: Desk has them already, as the agent's reply.
    if (isOwnReply(secret, { orgId: target.o, ticket: markerTicket(repo, issue.number) }, comment.body)) return { kind: 'ignored', why: 'our own reply' };
    if (isOwnCount(secret, target.o, comment.body)) return { kind: 'ignored', why: 'our own count of linked tickets' };
    // The ticket travels with its thread (parent first), without the body thread, which is the pull's to render.
    return {
      kind: 'unit',
      unit: { tickets: issueUnit(repo, issue).tickets, threads: [commentThread(repo, { ...comment, issueNumber: issue.number })] },
      updatedAt: comment.updatedAt,
      issue,
      action,
    };
  }
  return { kind: 'ignored', why: `event ${event.slice(0, 40)} is not mapped` };
}

function settingsOf(t: HookTarget): GitHubSettings {
  return { repositories: [t.r], labels: t.l ?? [], importSince: 0, includePullRequests: t.p === 1, storyThreads: false, escalation: {} };
}

/** The payload's Markdown as the escaped text the sanitiser then checks like any other body. */
function withHtml(x: unknown): unknown {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
  const o = x as Record<string, unknown>;
  if (typeof o.body_html === 'string') return o;
  const md = typeof o.body === 'string' ? o.body : '';
  return { ...o, body_html: md.trim() === '' ? '' : `<p>${escapeText(md).replace(/\r?\n/g, '<br>')}</p>` };
}

/** Some payloads (and GitHub's examples) lack issue_url on the comment: the issue it arrived with is its issue. */
function withIssueUrl(comment: unknown, issue: unknown): unknown {
  if (typeof comment !== 'object' || comment === null) return comment;
  const c = comment as Record<string, unknown>;
  if (typeof c.issue_url === 'string') return c;
  const url = (issue as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? { ...c, issue_url: url } : c;
}
