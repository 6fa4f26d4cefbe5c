import type { SyncThread } from '../../desk/wire-types.js';
import { eventThreadExtId, ticketExtId } from './ext-ids.js';
import type { GhIssueEvent } from './issue-event.js';
import { actorOf, iso } from './mapping.js';

/** What happened, in a line: "Closed as completed by @octocat". Undefined for events the ticket need not hear of. */
export function storyLine(e: GhIssueEvent): string | undefined {
  const by = `by @${e.actor?.login ?? 'ghost'}`;
  switch (e.event) {
    case 'closed':
      if (e.stateReason === 'completed' || e.stateReason === 'not_planned' || e.stateReason === 'duplicate')
        return `Closed as ${e.stateReason.replace('_', ' ')} ${by}`;
      return `Closed ${by}`;
    case 'reopened':
      return `Reopened ${by}`;
    case 'labeled':
      return e.label === undefined ? undefined : `Label “${e.label}” added ${by}`;
    case 'unlabeled':
      return e.label === undefined ? undefined : `Label “${e.label}” removed ${by}`;
    case 'assigned':
      return e.assignee === undefined ? undefined : `Assigned to @${e.assignee} ${by}`;
    case 'unassigned':
      return e.assignee === undefined ? undefined : `@${e.assignee} unassigned ${by}`;
    case 'milestoned':
      return e.milestone === undefined ? undefined : `Added to milestone “${e.milestone}” ${by}`;
    case 'demilestoned':
      return e.milestone === undefined ? undefined : `Removed from milestone “${e.milestone}” ${by}`;
    case 'locked':
      return `Locked ${by}`;
    case 'unlocked':
      return `Unlocked ${by}`;
    default:
      return undefined;
  }
}

/**
 * The issue's story on its ticket: a short thread from our side (`out`) that nobody
 * replies to. The line is escaped (label names and logins are GitHub users' text).
 */
export function storyThread(repo: string, e: GhIssueEvent): SyncThread | undefined {
  const line = storyLine(e);
  if (line === undefined || !e.issue) return undefined;
  const actor = actorOf(e.actor);
  return {
    extId: eventThreadExtId(repo, e.id),
    extParentId: ticketExtId(repo, e.issue.number),
    createdTime: iso(e.createdAt),
    content: `<p><em>${escapeText(line)}</em></p>`,
    contentType: 'text/html',
    direction: 'out',
    from: actor.name,
    canReply: false,
    actor,
  };
}

/** Text for HTML, as numeric references (the story's threads and a delivery's fallback body share it). */
export function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
