import { fromGitHub, labelsFromGitHub, type IssueView } from './card-issue.js';
import { github, isDotSegment, pathSegment, repoPath, type Refusal } from './github.js';
import type { DeskSdk } from './sdk.js';

/**
 * The card's changes to the issue. Each resolves with the issue as GitHub's answer
 * shows it, so the card changes only once GitHub has confirmed; or with GitHub's
 * refusal, in a word the card turns into plain language.
 */
export type Action =
  | { kind: 'close'; reason: 'completed' | 'not_planned' }
  | { kind: 'reopen' }
  | { kind: 'add-label'; name: string }
  | { kind: 'remove-label'; name: string }
  | { kind: 'assign'; login: string }
  | { kind: 'unassign'; login: string };

export type ActionResult = { ok: true; issue: IssueView } | { ok: false; refusal: Refusal };

export async function perform(sdk: DeskSdk, issue: IssueView, action: Action): Promise<ActionResult> {
  const base = `/repos/${repoPath(issue.repo)}/issues/${issue.number}`;
  const asIssue = (data: unknown): ActionResult => {
    const next = fromGitHub(issue.repo, data);
    return next ? { ok: true, issue: next } : { ok: false, refusal: 'unavailable' };
  };
  const asLabels = (data: unknown): ActionResult => {
    const labels = labelsFromGitHub(data);
    return labels ? { ok: true, issue: { ...issue, labels } } : { ok: false, refusal: 'unavailable' };
  };
  switch (action.kind) {
    case 'close': {
      const r = await github(sdk, 'PATCH', base, { state: 'closed', state_reason: action.reason });
      return r.ok ? asIssue(r.data) : r;
    }
    case 'reopen': {
      const r = await github(sdk, 'PATCH', base, { state: 'open' });
      return r.ok ? asIssue(r.data) : r;
    }
    case 'add-label': {
      const r = await github(sdk, 'POST', `${base}/labels`, { labels: [action.name] });
      return r.ok ? asLabels(r.data) : r;
    }
    case 'remove-label': {
      if (isDotSegment(action.name)) {
        // No URL can name a label `.` or `..` (URL parsers collapse them, %2E%2E too):
        // the issue's labels are read fresh and set again without it.
        const now = await github(sdk, 'GET', base);
        const current = now.ok ? fromGitHub(issue.repo, now.data) : undefined;
        if (!now.ok) return now;
        if (!current) return { ok: false, refusal: 'unavailable' };
        const r = await github(sdk, 'PATCH', base, { labels: current.labels.map((l) => l.name).filter((n) => n !== action.name) });
        return r.ok ? asIssue(r.data) : r;
      }
      const r = await github(sdk, 'DELETE', `${base}/labels/${pathSegment(action.name)}`);
      return r.ok ? asLabels(r.data) : r;
    }
    case 'assign': {
      const r = await github(sdk, 'POST', `${base}/assignees`, { assignees: [action.login] });
      return r.ok ? asIssue(r.data) : r;
    }
    case 'unassign': {
      const r = await github(sdk, 'DELETE', `${base}/assignees`, { assignees: [action.login] });
      return r.ok ? asIssue(r.data) : r;
    }
  }
}

/** The repository's labels and assignable users, for the card's pickers (first 100 of each). */
export async function choices(sdk: DeskSdk, repo: string): Promise<{ labels: string[]; users: string[] }> {
  const names = (data: unknown, field: 'name' | 'login'): string[] =>
    Array.isArray(data)
      ? data.flatMap((x) =>
          typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>)[field] === 'string'
            ? [String((x as Record<string, unknown>)[field]).slice(0, 100)]
            : [],
        )
      : [];
  const [labels, users] = await Promise.all([
    github(sdk, 'GET', `/repos/${repoPath(repo)}/labels?per_page=100`),
    github(sdk, 'GET', `/repos/${repoPath(repo)}/assignees?per_page=100`),
  ]);
  return { labels: labels.ok ? names(labels.data, 'name') : [], users: users.ok ? names(users.data, 'login') : [] };
}
