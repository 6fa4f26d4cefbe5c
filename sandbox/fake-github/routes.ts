import { createHash } from 'node:crypto';
import type { FakeStore, RepoRecord, IssueRecord, CommentRecord } from './store.js';
import { commentJson, eventJson, issueJson, labelJson, userJson, userOf, type Urls } from './json.js';
import { writeIssue } from './write-routes.js';
import { mediaOf, renderHtml, type Media } from './render.js';
import { escapeHtml } from './escape.js';
import { SECONDARY_CREATES_PER_MINUTE, type RateLimits } from './rate-limits.js';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
  urls: Urls;
  rateKey: string;
}

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const DOCS = 'https://docs.github.com/rest';
export const AUTH_USER = { login: 'desk-bot', id: 9_000_001 };

export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ message, documentation_url: DOCS, status: String(status), ...extra });
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: value === undefined ? '' : JSON.stringify(value),
});
const fail = (status: number, message: string, extra: Record<string, unknown> = {}): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: errorBody(status, message, extra),
});

/**
 * Routes a request to the store, answering as GitHub does. Rate limits, auth and
 * faults are applied by the server around this.
 */
export function route(store: FakeStore, limits: RateLimits, r: FakeRequest): FakeResponse {
  const p = r.path.replace(/\/+$/, '');
  const account = accountRoute(store, limits, r, p);
  if (account) return account;
  const found = findRepo(store, p);
  if (!found) return fail(404, 'Not Found');
  const { repo, rest } = found;
  const answer = repoRoute(repo, rest, r);
  if (answer) return answer;
  if (!rest.startsWith('/issues')) return fail(404, 'Not Found');
  if (!repo.hasIssues) return fail(410, 'Issues are disabled for this repo');
  const media = mediaOf(r.headers.accept);
  if (rest === '/issues' && r.method === 'POST') return createIssue(store, limits, repo, r, media);
  return listRoute(repo, rest, r, media) ?? commentRoute(store, repo, rest, r, media) ?? issueRoute(store, limits, repo, rest, r, media);
}

/** The routes of the authorised account: its rate limit, itself and its repositories. */
function accountRoute(store: FakeStore, limits: RateLimits, r: FakeRequest, p: string): FakeResponse | undefined {
  if (r.method === 'GET' && p === '/rate_limit') {
    const w = limits.window(r.rateKey);
    const core = { limit: w.limit, used: w.used, remaining: Math.max(0, w.limit - w.used), reset: w.reset };
    return json(200, { resources: { core, search: { limit: 30, used: 0, remaining: 30, reset: w.reset } }, rate: core });
  }
  if (r.method === 'GET' && p === '/search/issues') return searchIssues(store, r);
  if (r.method === 'GET' && p === '/user') return json(200, { ...userJson(AUTH_USER, r.urls), name: 'Desk Bot', public_repos: 0 });
  if (r.method === 'GET' && p === '/user/repos') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created', 'updated', 'pushed', 'full_name']);
    if (typeof q === 'string') return fail(422, q);
    const repos = [...store.repos.values()].sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`));
    return page(repos, q, r, (x) => repoJson(x, r.urls));
  }
  return undefined;
}

/**
 * GitHub's "Search issues and pull requests", as far as the card uses it: `q` required
 * (256 characters at most), words matched in title or body, and the qualifiers
 * `repo:owner/name` (any of them), `is:issue`/`is:pr`, `is:open`/`is:closed`; most
 * recently updated first, `per_page` ≤ 100.
 */
function searchIssues(store: FakeStore, r: FakeRequest): FakeResponse {
  const q = r.query.get('q') ?? '';
  if (q.trim() === '' || q.length > 256) return fail(422, 'Validation Failed', { errors: [{ resource: 'Search', field: 'q', code: 'invalid' }] });
  const repos: string[] = [];
  const words: string[] = [];
  let kind: 'issue' | 'pr' | undefined;
  let state: 'open' | 'closed' | undefined;
  for (const token of q.trim().split(/\s+/)) {
    const m = /^(repo|is):(.+)$/i.exec(token);
    if (m && m[1]!.toLowerCase() === 'repo') repos.push(m[2]!.toLowerCase());
    else if (m && /^(issue|pr)$/i.test(m[2]!)) kind = m[2]!.toLowerCase() as 'issue' | 'pr';
    else if (m && /^(open|closed)$/i.test(m[2]!)) state = m[2]!.toLowerCase() as 'open' | 'closed';
    else words.push(token.toLowerCase());
  }
  const found: Array<{ repo: RepoRecord; issue: IssueRecord }> = [];
  for (const repo of store.repos.values()) {
    if (repos.length > 0 && !repos.includes(`${repo.owner}/${repo.name}`.toLowerCase())) continue;
    for (const issue of repo.issues.values()) {
      if (issue.deleted || (kind === 'issue' && issue.pull) || (kind === 'pr' && !issue.pull) || (state && issue.state !== state)) continue;
      const text = `${issue.title}\n${issue.body}`.toLowerCase();
      if (words.every((w) => text.includes(w))) found.push({ repo, issue });
    }
  }
  found.sort((a, b) => b.issue.updatedAt - a.issue.updatedAt || b.issue.id - a.issue.id);
  const perPage = Math.min(100, Math.max(1, Number(r.query.get('per_page') ?? 30) || 30));
  return json(200, {
    total_count: found.length,
    incomplete_results: false,
    items: found.slice(0, perPage).map(({ repo, issue }) => ({ ...issueJson(repo, issue, 'raw', r.urls), score: 1 })),
  });
}

/** The repository a path names, by /repositories/{id} or /repos/{owner}/{repo}, and the path's rest. */
function findRepo(store: FakeStore, p: string): { repo: RepoRecord; rest: string } | undefined {
  const byId = /^\/repositories\/(\d+)(\/.*)?$/.exec(p);
  if (byId) {
    const repo = [...store.repos.values()].find((x) => x.id === Number(byId[1]));
    return repo && { repo, rest: byId[2] ?? '' };
  }
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(p);
  const repo = m && store.repo(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`);
  return repo ? { repo, rest: m[3] ?? '' } : undefined;
}

/** The repository itself, its labels and its assignable users. */
function repoRoute(repo: RepoRecord, rest: string, r: FakeRequest): FakeResponse | undefined {
  if (r.method !== 'GET') return undefined;
  if (rest === '') return json(200, repoJson(repo, r.urls));
  if (rest === '/labels') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created']);
    if (typeof q === 'string') return fail(422, q);
    return page([...repo.labels].sort(), q, r, (l) => labelJson(repo, l, r.urls));
  }
  if (rest === '/assignees') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created']);
    if (typeof q === 'string') return fail(422, q);
    return page([...repo.assignable], q, r, (a) => userJson(userOf(a), r.urls));
  }
  return undefined;
}

/** The repository-wide lists: issues, comments and issue events. */
function listRoute(repo: RepoRecord, rest: string, r: FakeRequest, media: Media): FakeResponse | undefined {
  if (r.method !== 'GET') return undefined;
  if (rest === '/issues') return listIssues(repo, r, media);
  if (rest === '/issues/comments') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created', 'updated']);
    if (typeof q === 'string') return fail(422, q);
    const items = [...repo.comments.values()].filter((c) => q.since === undefined || c.updatedAt >= q.since);
    const key = (c: CommentRecord) => (q.sort === 'updated' ? c.updatedAt : c.createdAt);
    return page(sorted(items, key, q.direction), q, r, (c) => commentJson(repo, c, media, r.urls));
  }
  if (rest === '/issues/events') {
    // Newest first, offset pages, no since (GitHub: "List issue events for a repository").
    const q = readListQuery(r.query, { sort: 'created', direction: 'desc' }, ['created']);
    if (typeof q === 'string') return fail(422, q);
    const live = repo.events.filter((e) => !repo.issues.get(e.issueNumber)?.deleted);
    return page(
      [...live].sort((a, b) => b.id - a.id),
      q,
      r,
      (e) => eventJson(repo, e, r.urls, true),
    );
  }
  return undefined;
}

function listIssues(repo: RepoRecord, r: FakeRequest, media: Media): FakeResponse {
  const q = readListQuery(r.query, { sort: 'created', direction: 'desc' }, ['created', 'updated', 'comments']);
  if (typeof q === 'string') return fail(422, q);
  const state = r.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) return fail(422, 'Validation Failed');
  const labels = (r.query.get('labels') ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const items = [...repo.issues.values()]
    .filter((i) => !i.deleted && (state === 'all' || i.state === state))
    .filter((i) => labels.every((l) => i.labels.includes(l)))
    .filter((i) => q.since === undefined || i.updatedAt >= q.since);
  const key = (i: IssueRecord) => (q.sort === 'updated' ? i.updatedAt : q.sort === 'comments' ? i.comments : i.createdAt);
  return page(sorted(items, key, q.direction), q, r, (i) => issueJson(repo, i, media, r.urls));
}

/** One comment by id: read or deleted. */
function commentRoute(store: FakeStore, repo: RepoRecord, rest: string, r: FakeRequest, media: Media): FakeResponse | undefined {
  const m = /^\/issues\/comments\/(\d+)$/.exec(rest);
  if (!m) return undefined;
  const c = repo.comments.get(Number(m[1]));
  if (!c) return fail(404, 'Not Found');
  if (r.method === 'GET') return etagged(r, json(200, commentJson(repo, c, media, r.urls)));
  if (r.method === 'DELETE') {
    store.deleteComment(`${repo.owner}/${repo.name}`, c.id);
    return { status: 204, headers: {}, body: '' };
  }
  if (r.method === 'PATCH') {
    // GitHub's "Update an issue comment": body required, 65,536 characters at most.
    let text: unknown;
    try {
      text = (JSON.parse(r.body || 'null') as { body?: unknown } | null)?.body;
    } catch {
      return fail(400, 'Problems parsing JSON');
    }
    if (typeof text !== 'string' || text.trim() === '' || text.length > 65_536)
      return fail(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'invalid', field: 'body' }] });
    return json(200, commentJson(repo, store.editComment(`${repo.owner}/${repo.name}`, c.id, text), media, r.urls));
  }
  return fail(404, 'Not Found');
}

/** One issue and what hangs off it: the card's writes, its events and its comments. */
function issueRoute(store: FakeStore, limits: RateLimits, repo: RepoRecord, rest: string, r: FakeRequest, media: Media): FakeResponse {
  const m = /^\/issues\/(\d+)(\/comments|\/events|\/assignees|\/labels(?:\/[^/]+)?)?$/.exec(rest);
  if (!m) return fail(404, 'Not Found');
  const issue = repo.issues.get(Number(m[1]));
  if (!issue) return fail(404, 'Not Found');
  if (issue.deleted) return fail(410, 'This issue was deleted');
  const sub = m[2];
  const written = writeIssue(store, repo, issue, { method: r.method, sub: sub ?? '', body: r.body, urls: r.urls, media }, AUTH_USER);
  if (written)
    return written.message === undefined
      ? json(written.status, written.value)
      : fail(written.status, written.message, written.errors ? { errors: written.errors } : {});
  if (sub === '/events' && r.method === 'GET') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created']);
    if (typeof q === 'string') return fail(422, q);
    return page(
      repo.events.filter((e) => e.issueNumber === issue.number),
      q,
      r,
      (e) => eventJson(repo, e, r.urls, false),
    );
  }
  if (sub !== undefined && sub !== '/comments') return fail(404, 'Not Found');
  if (!sub) {
    if (r.method !== 'GET') return fail(404, 'Not Found');
    return etagged(r, json(200, issueJson(repo, issue, media, r.urls)));
  }
  if (r.method === 'GET') {
    const q = readListQuery(r.query, { sort: 'created', direction: 'asc' }, ['created']);
    if (typeof q === 'string') return fail(422, q);
    const items = [...repo.comments.values()].filter((c) => c.issueNumber === issue.number && (q.since === undefined || c.updatedAt >= q.since));
    return page(
      sorted(items, (c) => c.createdAt, 'asc'),
      q,
      r,
      (c) => commentJson(repo, c, media, r.urls),
    );
  }
  if (r.method === 'POST') return postComment(store, limits, repo, issue, r, media);
  return fail(404, 'Not Found');
}

/** "Create an issue": title required (256 characters at most), body and labels optional; 403 where the account may not write. */
function createIssue(store: FakeStore, limits: RateLimits, repo: RepoRecord, r: FakeRequest, media: Media): FakeResponse {
  let body: unknown;
  try {
    body = JSON.parse(r.body || 'null');
  } catch {
    return fail(400, 'Problems parsing JSON');
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as { title?: unknown; body?: unknown; labels?: unknown };
  const invalid = (field: string) => fail(422, 'Validation Failed', { errors: [{ resource: 'Issue', code: 'invalid', field }] });
  if (typeof b.title !== 'string' || b.title.trim() === '' || b.title.length > 256) return invalid('title');
  if (b.body !== undefined && b.body !== null && (typeof b.body !== 'string' || b.body.length > 65_536)) return invalid('body');
  if (b.labels !== undefined && (!Array.isArray(b.labels) || b.labels.some((l) => typeof l !== 'string' || l === '' || l.length > 50)))
    return invalid('labels');
  if (!repo.writable) return fail(403, 'Resource not accessible by integration');
  if (limits.overSecondary(r.rateKey)) return fail(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.');
  const issue = store.createIssue(`${repo.owner}/${repo.name}`, {
    title: b.title,
    ...(typeof b.body === 'string' ? { body: b.body } : {}),
    ...(Array.isArray(b.labels) ? { labels: b.labels as string[] } : {}),
    user: AUTH_USER,
    association: 'MEMBER',
  });
  return json(201, issueJson(repo, issue, media, r.urls), { location: `${r.urls.api}/repos/${repo.owner}/${repo.name}/issues/${issue.number}` });
}

/** An agent's reply: GitHub's validation, lock and secondary-limit refusals, then 201. */
function postComment(store: FakeStore, limits: RateLimits, repo: RepoRecord, issue: IssueRecord, r: FakeRequest, media: Media): FakeResponse {
  let body: unknown;
  try {
    body = JSON.parse(r.body || 'null');
  } catch {
    return fail(400, 'Problems parsing JSON');
  }
  const text = typeof body === 'object' && body !== null ? (body as { body?: unknown }).body : undefined;
  if (typeof text !== 'string' || text.trim() === '') {
    return fail(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }] });
  }
  if (text.length > 65_536)
    return fail(422, 'Validation Failed', {
      errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
    });
  if (issue.locked) return fail(403, 'Unable to create comment because issue is locked.');
  if (limits.overSecondary(r.rateKey)) {
    return {
      ...fail(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'),
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '60' },
    };
  }
  const c = store.createComment(`${repo.owner}/${repo.name}`, issue.number, { body: text, user: AUTH_USER, association: 'MEMBER' });
  return json(201, commentJson(repo, c, media, r.urls), { location: `${r.urls.api}/repos/${repo.owner}/${repo.name}/issues/comments/${c.id}` });
}

/** The web page an agent lands on from Desk's "view on GitHub" link, in the sandbox. */
export function webPage(store: FakeStore, path: string): FakeResponse | undefined {
  const m = /^\/web\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)$/.exec(path);
  if (!m) return undefined;
  const repo = store.repo(`${m[1]}/${m[2]}`);
  const issue = repo?.issues.get(Number(m[3]));
  if (!repo || !issue || issue.deleted) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
  const comments = [...repo.comments.values()].filter((c) => c.issueNumber === issue.number).sort((a, b) => a.id - b.id);
  const html = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(issue.title)}</title>
<style>body{font:15px system-ui;max-width:46rem;margin:2rem auto;color:#1f2328}article{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}header{color:#59636e;font-size:13px}</style>
<h1>${escapeHtml(issue.title)} <small>#${issue.number}</small></h1>
<p>${escapeHtml(repo.owner)}/${escapeHtml(repo.name)} · fake GitHub (sandbox) · ${issue.state}</p>
<article><header>${escapeHtml(issue.user.login)}</header>${renderHtml(issue.body)}</article>
${comments.map((c) => `<article id="issuecomment-${c.id}"><header>${escapeHtml(c.user.login)}</header>${renderHtml(c.body)}</article>`).join('\n')}`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

interface ListQuery {
  sort: string;
  direction: 'asc' | 'desc';
  since: number | undefined;
  perPage: number;
  page: number;
}

function readListQuery(q: URLSearchParams, defaults: { sort: string; direction: 'asc' | 'desc' }, sorts: string[]): ListQuery | string {
  const sort = q.get('sort') ?? defaults.sort;
  if (!sorts.includes(sort)) return 'Validation Failed';
  const direction = q.get('direction') ?? (q.has('sort') ? 'desc' : defaults.direction);
  if (direction !== 'asc' && direction !== 'desc') return 'Validation Failed';
  let since: number | undefined;
  const rawSince = q.get('since');
  if (rawSince !== null) {
    const ms = Date.parse(rawSince);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(rawSince) || !Number.isFinite(ms)) return 'Invalid value for since';
    since = Math.floor(ms / 1000);
  }
  const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30));
  const pageNo = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
  return { sort, direction, since, perPage, page: pageNo };
}

/** Sorted by key; ties in an order that is stable but not by id (GitHub promises none). */
function sorted<T extends { id: number }>(items: T[], key: (t: T) => number, direction: 'asc' | 'desc'): T[] {
  const tie = (t: T) => (t.id * 2654435761) % 4294967296;
  return items.sort((a, b) => (direction === 'asc' ? key(a) - key(b) : key(b) - key(a)) || tie(a) - tie(b));
}

function page<T>(items: T[], q: ListQuery, r: FakeRequest, toJson: (t: T) => unknown): FakeResponse {
  const last = Math.max(1, Math.ceil(items.length / q.perPage));
  const slice = items.slice((q.page - 1) * q.perPage, q.page * q.perPage);
  const headers: Record<string, string> = {};
  const link = linkHeader(r, q.page, last);
  if (link) headers.link = link;
  return etagged(r, json(200, slice.map(toJson), headers));
}

/** GitHub's Link header: next/last unless on the last page, prev/first unless on the first. */
function linkHeader(r: FakeRequest, current: number, last: number): string | undefined {
  const at = (n: number) => {
    const q = new URLSearchParams(r.query);
    q.set('page', String(n));
    return `<${r.urls.api}${r.path}?${q}>`;
  };
  const parts: string[] = [];
  if (current > 1) parts.push(`${at(current - 1)}; rel="prev"`);
  if (current < last) parts.push(`${at(current + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (current > 1) parts.push(`${at(1)}; rel="first"`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Weak ETag of what the answer says (and how), and 304 when the client has it already. */
function etagged(r: FakeRequest, res: FakeResponse): FakeResponse {
  const etag = `W/"${createHash('sha256')
    .update(r.headers.accept ?? '')
    .update('\0')
    .update(res.body)
    .digest('hex')}"`;
  const given = r.headers['if-none-match'];
  if (
    given &&
    given
      .split(',')
      .map((s) => s.trim())
      .includes(etag)
  )
    return { status: 304, headers: { etag }, body: '' };
  return { ...res, headers: { ...res.headers, etag } };
}

export function repoJson(repo: RepoRecord, urls: Urls): Record<string, unknown> {
  return {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: false,
    has_issues: repo.hasIssues,
    html_url: `${urls.web}/${repo.owner}/${repo.name}`,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}`,
  };
}

export { SECONDARY_CREATES_PER_MINUTE };
