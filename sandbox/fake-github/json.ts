import type { CommentRecord, EventRecord, FakeUser, IssueRecord, RepoRecord } from './store.js';
import { bodyFields, type Media } from './render.js';

/**
 * GitHub's JSON for users, labels, issues and comments, with every field the OpenAPI
 * description marks required (checked by test/sandbox/fake-github-fidelity.test.ts).
 */
export interface Urls {
  api: string;
  web: string;
}

export const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString().replace('.000Z', 'Z'));

export function userJson(u: FakeUser, urls: Urls): Record<string, unknown> {
  const api = `${urls.api}/users/${u.login}`;
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString('base64'),
    avatar_url: u.avatar_url ?? `${urls.web}/avatars/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

export function labelJson(repo: RepoRecord, name: string, urls: Urls): Record<string, unknown> {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return {
    id: 900_000_000 + (h % 99_999_999),
    node_id: Buffer.from(`LA_${h}`).toString('base64'),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: (h & 0xffffff).toString(16).padStart(6, '0'),
    default: name === 'bug',
  };
}

export function issueJson(repo: RepoRecord, i: IssueRecord, media: Media, urls: Urls): Record<string, unknown> {
  const base = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const json: Record<string, unknown> = {
    url: `${base}/issues/${i.number}`,
    repository_url: base,
    labels_url: `${base}/issues/${i.number}/labels{/name}`,
    comments_url: `${base}/issues/${i.number}/comments`,
    events_url: `${base}/issues/${i.number}/events`,
    html_url: `${web}/${i.pull ? 'pull' : 'issues'}/${i.number}`,
    id: i.id,
    node_id: Buffer.from(`I_${i.id}`).toString('base64'),
    number: i.number,
    title: i.title,
    user: userJson(i.user, urls),
    labels: i.labels.map((l) => labelJson(repo, l, urls)),
    state: i.state,
    locked: i.locked,
    assignee: i.assignees[0] ? userJson(userOf(i.assignees[0]), urls) : null,
    assignees: i.assignees.map((a) => userJson(userOf(a), urls)),
    milestone: i.milestone === null ? null : milestoneJson(repo, i.milestone, urls),
    reactions: reactionsJson(`${base}/issues/${i.number}/reactions`, i.plusOne),
    comments: i.comments,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    closed_at: iso(i.closedAt),
    author_association: i.association,
    active_lock_reason: i.locked ? 'resolved' : null,
    state_reason: i.stateReason,
    timeline_url: `${base}/issues/${i.number}/timeline`,
    performed_via_github_app: null,
    ...bodyFields(i.body === '' ? null : i.body, media),
  };
  if (i.pull) {
    json.draft = false;
    json.pull_request = {
      url: `${base}/pulls/${i.number}`,
      html_url: `${web}/pull/${i.number}`,
      diff_url: `${web}/pull/${i.number}.diff`,
      patch_url: `${web}/pull/${i.number}.patch`,
      merged_at: null,
    };
  }
  return json;
}

export function commentJson(repo: RepoRecord, c: CommentRecord, media: Media, urls: Urls): Record<string, unknown> {
  const base = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const onPull = repo.issues.get(c.issueNumber)?.pull ?? false;
  return {
    url: `${base}/issues/comments/${c.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/${onPull ? 'pull' : 'issues'}/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${base}/issues/${c.issueNumber}`,
    id: c.id,
    node_id: Buffer.from(`IC_${c.id}`).toString('base64'),
    user: userJson(c.user, urls),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    author_association: c.association,
    performed_via_github_app: null,
    ...bodyFields(c.body, media),
  };
}

const KNOWN_USERS: Record<string, number> = { octocat: 583231, 'desk-bot': 9_000_001 };

/** The fake's users are known by login; their ids are derived from it, stably. */
export function userOf(login: string): FakeUser {
  const known = KNOWN_USERS[login];
  if (known !== undefined) return { login, id: known };
  let h = 7;
  for (const ch of login) h = (h * 131 + ch.charCodeAt(0)) >>> 0;
  return { login, id: 100_000 + (h % 50_000_000) };
}

function milestoneJson(repo: RepoRecord, title: string, urls: Urls): Record<string, unknown> {
  const base = `${urls.api}/repos/${repo.owner}/${repo.name}/milestones/1`;
  return {
    url: base,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/milestone/1`,
    labels_url: `${base}/labels`,
    id: 1_000_001,
    node_id: 'MI_1',
    number: 1,
    state: 'open',
    title,
    description: null,
    creator: userJson(userOf('octocat'), urls),
    open_issues: 1,
    closed_issues: 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    closed_at: null,
    due_on: null,
  };
}

function reactionsJson(url: string, plusOne: number): Record<string, unknown> {
  return { url, total_count: plusOne, '+1': plusOne, '-1': 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
}

/** An entry of GET /repos/{o}/{r}/issues/events (with its issue) or of an issue's own events (without). */
export function eventJson(repo: RepoRecord, e: EventRecord, urls: Urls, withIssue: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: e.id,
    node_id: Buffer.from(`IE_${e.id}`).toString('base64'),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/issues/events/${e.id}`,
    actor: userJson(e.actor, urls),
    event: e.event,
    commit_id: e.commitId ?? null,
    commit_url: e.commitId ? `${urls.api}/repos/${repo.owner}/${repo.name}/commits/${e.commitId}` : null,
    created_at: iso(e.createdAt),
    performed_via_github_app: null,
  };
  if (e.stateReason !== undefined) json.state_reason = e.stateReason;
  if (e.label !== undefined) json.label = { name: e.label, color: labelJson(repo, e.label, urls).color as string };
  if (e.assignee !== undefined) {
    json.assignee = userJson(userOf(e.assignee), urls);
    json.assigner = userJson(e.actor, urls);
  }
  const issue = repo.issues.get(e.issueNumber);
  if (withIssue && issue) json.issue = issueJson(repo, issue, 'raw', urls);
  return json;
}
