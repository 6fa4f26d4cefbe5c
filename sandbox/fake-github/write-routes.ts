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

type WriteRequest = { method: string; sub: string; body: string; urls: Urls; media: Media };
type Actor = { login: string; id: number };
/** One write's parts: the issue, the parsed body, and how to answer with the issue or its labels. */
interface Write {
  store: FakeStore;
  repo: RepoRecord;
  issue: IssueRecord;
  name: string;
  body: Record<string, unknown>;
  actor: Actor;
  issueAnswer(status: number): WriteAnswer;
  labelsAnswer(): WriteAnswer;
}

export function writeIssue(store: FakeStore, repo: RepoRecord, issue: IssueRecord, r: WriteRequest, actor: Actor): WriteAnswer | undefined {
  const isWrite = r.method === 'PATCH' || ((r.method === 'POST' || r.method === 'DELETE') && /^\/(labels|assignees)/.test(r.sub));
  if (!isWrite) return undefined;
  if (!repo.writable) return refused(403, 'Must have push access to repository');
  if (issue.locked) return refused(403, 'Unable to update issue because issue is locked.');
  const body = parseBody(r.body);
  if (!body) return refused(400, 'Problems parsing JSON');
  const w: Write = {
    store,
    repo,
    issue,
    name: `${repo.owner}/${repo.name}`,
    body,
    actor,
    issueAnswer: (status) => ({ status, value: issueJson(repo, issue, r.media, r.urls) }),
    labelsAnswer: () => ({ status: 200, value: issue.labels.map((l) => labelJson(repo, l, r.urls)) }),
  };
  if (r.method === 'PATCH' && r.sub === '') return patchIssue(w);
  if (r.sub === '/labels' && r.method === 'POST') return addLabels(w);
  const one = /^\/labels\/(.+)$/.exec(r.sub);
  if (one && r.method === 'DELETE') return removeLabel(w, one[1]!);
  if (r.sub === '/assignees') return changeAssignees(w, r.method === 'POST');
  return undefined;
}

/** A JSON object, an empty body as {}, or undefined for anything else. */
function parseBody(raw: string): Record<string, unknown> | undefined {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
const invalid = (resource: string, code: string, field: string): WriteAnswer => refused(422, 'Validation Failed', [{ resource, code, field }]);

/** PATCH /issues/{n}: state, state reason, labels, assignees and title, each validated as GitHub does. */
function patchIssue(w: Write): WriteAnswer {
  const { body, repo } = w;
  const patch: Parameters<FakeStore['editIssue']>[2] = {};
  if (body.state !== undefined) {
    if (body.state !== 'open' && body.state !== 'closed') return invalid('Issue', 'invalid', 'state');
    patch.state = body.state;
  }
  if (body.state_reason !== undefined && body.state_reason !== null) {
    if (body.state_reason !== 'completed' && body.state_reason !== 'not_planned' && body.state_reason !== 'reopened')
      return invalid('Issue', 'invalid', 'state_reason');
    if (body.state_reason !== 'reopened') patch.stateReason = body.state_reason;
  }
  if (body.labels !== undefined) {
    const labels = strings(body.labels);
    if (!labels) return invalid('Issue', 'invalid', 'labels');
    patch.labels = labels;
  }
  if (body.assignees !== undefined) {
    const assignees = strings(body.assignees);
    if (!assignees) return invalid('Issue', 'invalid', 'assignees');
    patch.assignees = assignees.filter((a) => repo.assignable.includes(a));
  }
  if (typeof body.title === 'string') patch.title = body.title;
  w.store.editIssue(w.name, w.issue.number, patch, w.actor);
  return w.issueAnswer(200);
}

function addLabels(w: Write): WriteAnswer {
  const labels = strings(w.body.labels);
  if (!labels || labels.length === 0) return invalid('Label', 'missing_field', 'labels');
  w.store.editIssue(w.name, w.issue.number, { labels: [...w.issue.labels, ...labels] }, w.actor);
  return w.labelsAnswer();
}

function removeLabel(w: Write, encoded: string): WriteAnswer {
  let label: string;
  try {
    label = decodeURIComponent(encoded);
  } catch {
    return refused(404, 'Label does not exist');
  }
  if (!w.issue.labels.includes(label)) return refused(404, 'Label does not exist');
  w.store.editIssue(w.name, w.issue.number, { labels: w.issue.labels.filter((l) => l !== label) }, w.actor);
  return w.labelsAnswer();
}

/** POST adds (at most 10 in all), DELETE removes; GitHub ignores logins that cannot be assigned, silently. */
function changeAssignees(w: Write, add: boolean): WriteAnswer {
  const logins = strings(w.body.assignees);
  if (!logins) return invalid('Issue', 'missing_field', 'assignees');
  const { issue, repo } = w;
  const next = add
    ? [...issue.assignees, ...logins.filter((a) => repo.assignable.includes(a))].slice(0, 10)
    : issue.assignees.filter((a) => !logins.includes(a));
  w.store.editIssue(w.name, issue.number, { assignees: next }, w.actor);
  return w.issueAnswer(add ? 201 : 200);
}
