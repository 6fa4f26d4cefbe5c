import { createHash } from 'node:crypto';
import type { SyncExtra } from '../../desk/wire-types.js';
import type { IssueExtraValue } from './wire-types.js';
import type { GhIssue } from './github-types.js';
import { encodeRepoName, STORAGE_NAME } from './storage-name.js';
import { EXTRA_KEY_SUFFIX } from './contract.js';
import { compiled } from '../../desk/schemas.js';

/** The extra's value as resources/schemas/github/issue-extra.json describes it. */
export const validIssueExtra = compiled<IssueExtraValue>('issue-extra.json');

/**
 * The issue's side data on its ticket (SYNC_EXTRA_OBJECT, protocol §3.5): Desk keeps it
 * in the extension's data storage under `<Desk ticket id>_github_issue`, where the
 * ticket card reads it back with ZOHODESK.get('database', {key}) when GitHub cannot be
 * reached. Desk's limits: key and queriableValue ≤ 50 characters of letters, digits,
 * `,` `_` `:`; value ≤ 5.1 KB.
 */
/** Desk documents 5.1 KB; we stay a little under it, counting UTF-8 bytes. The value's shape: resources/schemas/issue-extra.json. */
export const MAX_EXTRA_BYTES = 5000;

/** The queriable value: `gh:<encoded repo>:<number>`, or a hash of the repository when that is too long. */
export function queriableValueOf(repo: string, number: number): string {
  const plain = `gh:${encodeRepoName(repo)}:${number}`;
  if (STORAGE_NAME.test(plain)) return plain;
  return `gh:h${createHash('sha256').update(repo).digest('hex').slice(0, 24)}:${number}`;
}

export function issueExtra(repo: string, issue: GhIssue): SyncExtra {
  const c = issue.card;
  const value: IssueExtraValue = {
    v: 1,
    repo,
    number: issue.number,
    title: clip(issue.title, 300),
    state: issue.state === 'closed' ? 'closed' : 'open',
    reason: c.stateReason && /^[a-z_]{1,20}$/.test(c.stateReason) ? c.stateReason : null,
    labels: c.labels.slice(0, 30).map((l) => ({ name: clip(l.name, 50), color: /^[0-9a-fA-F]{6}$/.test(l.color) ? l.color.toLowerCase() : '' })),
    assignees: c.assignees.slice(0, 10).map((a) => clip(a, 39)),
    milestone: c.milestone === null ? null : clip(c.milestone, 100),
    comments: issue.comments,
    plusOne: c.plusOne,
    locked: issue.locked,
    url: c.htmlUrl && c.htmlUrl.length <= 500 && /^https?:\/\//.test(c.htmlUrl) ? c.htmlUrl : null,
    updated: new Date(issue.updatedAt * 1000).toISOString(),
  };
  if (c.labels.length > value.labels.length || c.assignees.length > value.assignees.length) value.cut = true;
  // Multi-byte names can still push it over: drop labels, then assignees, from the end.
  while (Buffer.byteLength(JSON.stringify(value)) > MAX_EXTRA_BYTES && (value.labels.length > 0 || value.assignees.length > 0)) {
    if (value.labels.length > 0) value.labels.pop();
    else value.assignees.pop();
    value.cut = true;
  }
  return { key: `{{ticket.id}}${EXTRA_KEY_SUFFIX}`, queriableValue: queriableValueOf(repo, issue.number), value: value as unknown as SyncExtra['value'] };
}

/** At most `max` UTF-16 units, never splitting a character (an emoji is two). */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
