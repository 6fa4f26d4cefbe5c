import type { IssueExtraValue } from '../server/connectors/github/wire-types.js';
import { REPO } from './github.js';
import { isObj } from './sdk.js';

/**
 * The issue as the card shows it, read by hand from GitHub's issue JSON or from the
 * `extra` a pull stored (server/connectors/github/issue-extra.ts): anything unexpected
 * is left out, never trusted.
 */
export type IssueView = Omit<IssueExtraValue, 'v' | 'updated' | 'cut'> & {
  /** Epoch seconds of GitHub's last update. */
  updated: number | undefined;
};

const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const color = (v: unknown): string => (typeof v === 'string' && /^[0-9a-fA-F]{6}$/.test(v) ? v.toLowerCase() : '');
/** Only web links the agent can open safely: http(s), nothing else. */
const link = (v: unknown): string | null => (typeof v === 'string' && v.length <= 500 && /^https?:\/\/[^\s"'<>]+$/.test(v) ? v : null);
const time = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
};
const labelsOf = (v: unknown): IssueView['labels'] =>
  Array.isArray(v)
    ? v.slice(0, 100).flatMap((l) => (isObj(l) && typeof l.name === 'string' ? [{ name: l.name.slice(0, 100), color: color(l.color) }] : []))
    : [];

/** What the ticket's stored extra names: the repository and number, and the issue as of the last pull. */
export function fromExtra(value: unknown): IssueView | undefined {
  if (
    !isObj(value) ||
    value.v !== 1 ||
    typeof value.repo !== 'string' ||
    !REPO.test(value.repo) ||
    typeof value.number !== 'number' ||
    !Number.isSafeInteger(value.number) ||
    value.number <= 0
  )
    return undefined;
  return {
    repo: value.repo,
    number: value.number,
    title: str(value.title, 300) ?? '',
    state: value.state === 'closed' ? 'closed' : 'open',
    reason: str(value.reason, 20) ?? null,
    labels: labelsOf(value.labels),
    assignees: Array.isArray(value.assignees) ? value.assignees.filter((a): a is string => typeof a === 'string').map((a) => a.slice(0, 39)) : [],
    milestone: str(value.milestone, 100) ?? null,
    comments: count(value.comments),
    plusOne: count(value.plusOne),
    locked: value.locked === true,
    url: link(value.url),
    updated: time(value.updated),
  };
}

/** GitHub's issue JSON (GET/PATCH /repos/{o}/{r}/issues/{n}, POST/DELETE …/assignees). */
export function fromGitHub(repo: string, json: unknown): IssueView | undefined {
  if (!isObj(json) || typeof json.number !== 'number' || typeof json.title !== 'string') return undefined;
  const reactions = isObj(json.reactions) ? json.reactions['+1'] : 0;
  return {
    repo,
    number: json.number,
    title: json.title.slice(0, 1000),
    state: json.state === 'closed' ? 'closed' : 'open',
    reason: str(json.state_reason, 20) ?? null,
    labels: labelsOf(json.labels),
    assignees: Array.isArray(json.assignees) ? json.assignees.flatMap((a) => (isObj(a) && typeof a.login === 'string' ? [a.login.slice(0, 39)] : [])) : [],
    milestone: isObj(json.milestone) ? (str(json.milestone.title, 100) ?? null) : null,
    comments: count(json.comments),
    plusOne: count(reactions),
    locked: json.locked === true,
    url: link(json.html_url),
    updated: time(json.updated_at),
  };
}

/** The labels an add or remove answers with (GitHub returns the issue's labels). */
export const labelsFromGitHub = (json: unknown): IssueView['labels'] | undefined => (Array.isArray(json) ? labelsOf(json) : undefined);
