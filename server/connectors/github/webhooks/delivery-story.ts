import type { SyncThread } from '../../../desk/wire-types.js';
import type { SyncUnit } from '../../../sync/batch.js';
import { GitHubError, type GitHubApi } from '../api.js';
import type { GhIssue } from '../github-types.js';
import { readIssueEvent } from '../issue-event.js';
import { storyThread } from '../story-thread.js';
import type { HookTarget } from './seal.js';

/** `issues` actions the story tells (story-thread.ts storyLine): only these cost an events read. */
export const STORY_ACTIONS = new Set([
  'closed',
  'reopened',
  'labeled',
  'unlabeled',
  'assigned',
  'unassigned',
  'milestoned',
  'demilestoned',
  'locked',
  'unlocked',
]);
/** Events this much older than the delivery's issue change are another delivery's (or the pull's); retelling one is an update. */
export const STORY_LOOKBACK_SECONDS = 300;
/** GitHub gives a delivery 10 s; the events read must leave time to answer. */
const EVENTS_TIMEOUT_MS = 5_000;
const PER_PAGE = 100;

export function wantsStory(event: string, action: string, target: HookTarget): boolean {
  return event === 'issues' && target.t === 1 && STORY_ACTIONS.has(action);
}

/** The issue's events list, its last page (oldest first: the newest events are there). */
export async function lastEvents(api: GitHubApi, repo: string, issueNumber: number): Promise<unknown[]> {
  const path = `/repos/${repo}/issues/${issueNumber}/events`;
  const read = (page: number) => api.request<unknown>('GET', path, { query: { per_page: String(PER_PAGE), page: String(page) }, timeoutMs: EVENTS_TIMEOUT_MS });
  let res = await read(1);
  const last = res.lastUrl ? Number(URL.parse(res.lastUrl)?.searchParams.get('page')) : 1;
  if (Number.isSafeInteger(last) && last > 1) res = await read(last);
  if (!Array.isArray(res.data)) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET ${path}: not a list`, res.status);
  return res.data as unknown[];
}

/**
 * The story threads a delivery implies (events of its action, of the last minutes), from
 * the issue's last events page, mapped by the pull's storyThread: the same event gives
 * the same extId (`<repo>:e<id>`) whichever path tells it, so the pull's later copy is
 * an update. The delivery's issue stands in for the event's (this list carries none).
 */
export function storyOfEvents(events: unknown[], repo: string, issue: GhIssue, action: string): SyncThread[] {
  const threads: SyncThread[] = [];
  for (const raw of events) {
    const e = readIssueEvent(raw);
    if (!e) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub GET /repos/${repo}/issues/${issue.number}/events: an item lacks required fields`, 200);
    if (e.event !== action || e.createdAt < issue.updatedAt - STORY_LOOKBACK_SECONDS) continue;
    const thread = storyThread(repo, { ...e, issue });
    if (thread) threads.push(thread);
  }
  return threads;
}

/** The delivery's unit with its story threads after the ticket (parent first). */
export function withStory(unit: SyncUnit, threads: SyncThread[]): SyncUnit {
  return { tickets: unit.tickets, threads: [...unit.threads, ...threads] };
}
