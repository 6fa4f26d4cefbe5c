import { readIssue, type GhIssue, type GhUser } from './github-types.js';

/**
 * An entry of GitHub's issue events list (`GET /repos/{o}/{r}/issues/events`, newest
 * first): the parts a story thread needs, checked like every other GitHub item.
 */
export interface GhIssueEvent {
  id: number;
  event: string;
  actor: GhUser | null;
  createdAt: number;
  stateReason: string | null;
  label?: string;
  assignee?: string;
  milestone?: string;
  /** The issue as it is now (the repository list carries it; null for some, such as a deleted issue's). */
  issue: GhIssue | null;
}

export function readIssueEvent(x: unknown): GhIssueEvent | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const e = x as Record<string, unknown>;
  if (typeof e.id !== 'number' || !Number.isSafeInteger(e.id) || e.id <= 0 || typeof e.event !== 'string' || typeof e.created_at !== 'string') return undefined;
  const ms = Date.parse(e.created_at);
  const issue = e.issue === null || e.issue === undefined ? null : readIssue(e.issue);
  if (!Number.isFinite(ms) || issue === undefined) return undefined;
  const actor = readLogin(e.actor);
  const out: GhIssueEvent = {
    id: e.id,
    event: e.event.slice(0, 40),
    actor: actor === undefined ? null : { login: actor, id: (e.actor as { id: number }).id },
    createdAt: Math.floor(ms / 1000),
    stateReason: typeof e.state_reason === 'string' ? e.state_reason : null,
    issue,
  };
  const label = nameOf(e.label, 'name');
  if (label !== undefined) out.label = label;
  const assignee = readLogin(e.assignee);
  if (assignee !== undefined) out.assignee = assignee;
  const milestone = nameOf(e.milestone, 'title');
  if (milestone !== undefined) out.milestone = milestone;
  return out;
}

function readLogin(u: unknown): string | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const { login, id } = u as { login?: unknown; id?: unknown };
  return typeof login === 'string' && typeof id === 'number' ? login.slice(0, 100) : undefined;
}

function nameOf(o: unknown, field: string): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const v = (o as Record<string, unknown>)[field];
  return typeof v === 'string' ? v.slice(0, 200) : undefined;
}
