import type { FakeStore, IssueRecord, RepoRecord } from './store.js';
import { issueJson, labelJson, type Urls } from './json.js';
import type { Media } from './render.js';

/**
 * The issue writes the ticket card makes (GitHub REST: "Issues", "Labels",
 * "Assignees"), applied to the store as the authorised account, so each leaves the
 * issue events GitHub would record.
 */
export interface WriteAnswer {
  status: number;
  value: unknown;
  /** A GitHub error message instead of a value. */
  message?: string;
  errors?: unknown[];
}

const refused = (status: number, message: string, errors?: unknown[]): WriteAnswer => ({ status, value: undefined, message, ...(errors ? { errors } : {}) });

export function writeIssue(
  store: FakeStore,
  repo: RepoRecord,
  issue: IssueRecord,
  r: { method: string; sub: string; body: string; urls: Urls; media: Media },
  actor: { login: string; id: number },
): WriteAnswer | undefined {
  const name = `${repo.owner}/${repo.name}`;
  const isWrite = r.method === 'PATCH' || ((r.method === 'POST' || r.method === 'DELETE') && /^\/(labels|assignees)/.test(r.sub));
  if (!isWrite) return undefined;
  if (!repo.writable) return refused(403, 'Must have push access to repository');
  if (issue.locked) return refused(403, 'Unable to update issue because issue is locked.');
  let body: Record<string, unknown> = {};
  if (r.body.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(r.body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refused(400, 'Problems parsing JSON');
      body = parsed as Record<string, unknown>;
    } catch {
      return refused(400, 'Problems parsing JSON');
    }
  }
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const issueAnswer = (status: number) => ({ status, value: issueJson(repo, issue, r.media, r.urls) });
  const labelsAnswer = () => ({ status: 200, value: issue.labels.map((l) => labelJson(repo, l, r.urls)) });

  if (r.method === 'PATCH' && r.sub === '') {
    const patch: Parameters<FakeStore['editIssue']>[2] = {};
    if (body.state !== undefined) {
      if (body.state !== 'open' && body.state !== 'closed') return refused(422, 'Validation Failed', [{ resource: 'Issue', code: 'invalid', field: 'state' }]);
      patch.state = body.state;
    }
    if (body.state_reason !== undefined && body.state_reason !== null) {
      if (body.state_reason !== 'completed' && body.state_reason !== 'not_planned' && body.state_reason !== 'reopened')
        return refused(422, 'Validation Failed', [{ resource: 'Issue', code: 'invalid', field: 'state_reason' }]);
      if (body.state_reason !== 'reopened') patch.stateReason = body.state_reason;
    }
    if (body.labels !== undefined) {
      const labels = strings(body.labels);
      if (!labels) return refused(422, 'Validation Failed', [{ resource: 'Issue', code: 'invalid', field: 'labels' }]);
      patch.labels = labels;
    }
    if (body.assignees !== undefined) {
      const assignees = strings(body.assignees);
      if (!assignees) return refused(422, 'Validation Failed', [{ resource: 'Issue', code: 'invalid', field: 'assignees' }]);
      patch.assignees = assignees.filter((a) => repo.assignable.includes(a));
    }
    if (typeof body.title === 'string') patch.title = body.title;
    store.editIssue(name, issue.number, patch, actor);
    return issueAnswer(200);
  }
  if (r.sub === '/labels' && r.method === 'POST') {
    const labels = strings(body.labels);
    if (!labels || labels.length === 0) return refused(422, 'Validation Failed', [{ resource: 'Label', code: 'missing_field', field: 'labels' }]);
    store.editIssue(name, issue.number, { labels: [...issue.labels, ...labels] }, actor);
    return labelsAnswer();
  }
  const one = /^\/labels\/(.+)$/.exec(r.sub);
  if (one && r.method === 'DELETE') {
    let label: string;
    try {
      label = decodeURIComponent(one[1]!);
    } catch {
      return refused(404, 'Label does not exist');
    }
    if (!issue.labels.includes(label)) return refused(404, 'Label does not exist');
    store.editIssue(name, issue.number, { labels: issue.labels.filter((l) => l !== label) }, actor);
    return labelsAnswer();
  }
  if (r.sub === '/assignees') {
    const logins = strings(body.assignees);
    if (!logins) return refused(422, 'Validation Failed', [{ resource: 'Issue', code: 'missing_field', field: 'assignees' }]);
    // GitHub ignores logins that cannot be assigned, silently.
    const next =
      r.method === 'POST'
        ? [...issue.assignees, ...logins.filter((a) => repo.assignable.includes(a))].slice(0, 10)
        : issue.assignees.filter((a) => !logins.includes(a));
    store.editIssue(name, issue.number, { assignees: next }, actor);
    return issueAnswer(r.method === 'POST' ? 201 : 200);
  }
  return undefined;
}
