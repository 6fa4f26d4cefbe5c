import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { FakeStore, type CommentRecord, type EventRecord, type FakeUser, type IssueRecord } from './store.js';
import { FaultQueue, type Fault, type FaultEntry } from './faults.js';
import { RateLimits } from './rate-limits.js';
import { errorBody, route, webPage, type FakeResponse } from './routes.js';
import { commentJson, issueJson } from './json.js';
import { FakeHooks } from './hooks.js';
import { closeHttpServer } from '../../http/close-server.js';

export type { Fault, FaultEntry, FakeUser, EventRecord };

export interface FakeGitHubOptions {
  /** When set, requests must carry `Authorization: Bearer <token>` (or `token <token>`). */
  token?: string;
  /** Clock in ms; GitHub's times are whole seconds of it. */
  now?: () => number;
  /** Primary limit per hour (default 5000). */
  rateLimit?: number;
  host?: string;
  port?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  ifNoneMatch?: string;
  at: number;
}

export interface FakeGitHub {
  /** The API root, like https://api.github.com. */
  url: string;
  /** Where html_url points: pages of this server under /web that show an issue. */
  webUrl: string;
  close(): Promise<void>;
  createRepo(fullName: string, opts?: { hasIssues?: boolean }): void;
  setRepoIssues(fullName: string, enabled: boolean): void;
  deleteRepo(fullName: string): void;
  createIssue(repo: string, i: Parameters<FakeStore['createIssue']>[1]): FakeIssue;
  /** Edits as `actor` (default octocat) would on GitHub, recording issue events. */
  editIssue(repo: string, number: number, patch: Parameters<FakeStore['editIssue']>[2], actor?: FakeUser): FakeIssue;
  /** The repository's issue events, oldest first. */
  events(repo: string): EventRecord[];
  /** false: the authorised account may read but not change issues (GitHub's 403). */
  setRepoWritable(fullName: string, writable: boolean): void;
  deleteIssue(repo: string, number: number): void;
  createComment(repo: string, number: number, c: { body: string; user?: FakeUser; association?: string }): FakeComment;
  editComment(repo: string, id: number, body: string): FakeComment;
  deleteComment(repo: string, id: number): void;
  /** Current state as GitHub would list it (full media type). */
  issues(repo: string): FakeIssue[];
  comments(repo: string): FakeComment[];
  faults: FaultQueue;
  requests: RequestLogEntry[];
  rateLimitState(token?: string): { limit: number; remaining: number; reset: number; used: number };
  setRateLimit(opts: { remaining?: number; reset?: number }, token?: string): void;
  /** Repository webhooks and their signed deliveries (hooks.ts). */
  hooks: FakeHooks;
}

/** GitHub's issue JSON (full media type), as the fake serves it. */
export type FakeIssue = ReturnType<typeof issueJson> & { id: number; number: number; title: string; labels: Array<{ name: string }>; pull_request?: unknown };
export type FakeComment = ReturnType<typeof commentJson> & { id: number; body: string; issue_url: string };

/**
 * A fake of GitHub's REST API for issues and comments: a real HTTP server on
 * 127.0.0.1 that pages, filters, renders media types, answers conditional requests,
 * counts rate limits and takes injected faults, as GitHub does (docs.github.com/en/rest).
 */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const nowMs = opts.now ?? Date.now;
  const store = new FakeStore(nowMs);
  const limits = new RateLimits(opts.rateLimit ?? 5000, () => store.now());
  const faults = new FaultQueue();
  const requests: RequestLogEntry[] = [];
  const held = new Set<Socket>();
  let base = '';
  const hooks = new FakeHooks(store, () => ({ api: base, web: `${base}/web` }));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 5000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const entry: RequestLogEntry = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: nowMs() };
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string') entry.ifNoneMatch = inm;
    requests.push(entry);

    const web = method === 'GET' ? webPage(store, url.pathname) : undefined;
    if (web) return send(res, entry, web, undefined);

    const auth = req.headers.authorization ?? '';
    const given = /^(?:bearer|token)\s+(.+)$/i.exec(auth)?.[1];
    const rateKey = given ?? `ip:${req.socket.remoteAddress}`;
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'gate') {
      fault.arrived?.();
      await fault.release.catch(() => undefined);
    }
    if (fault?.kind === 'timeout') {
      held.add(req.socket);
      entry.status = -1;
      return;
    }
    if (fault?.kind === 'reset') {
      entry.status = -2;
      req.socket.destroy();
      return;
    }
    const rl = limits.headers(rateKey);
    if (fault?.kind === 'status') {
      return send(
        res,
        entry,
        {
          status: fault.status,
          headers: { 'content-type': 'application/json; charset=utf-8', ...rl },
          body: JSON.stringify(fault.body ?? { message: 'Server Error' }),
        },
        undefined,
      );
    }
    if (fault?.kind === 'rateLimit') return send(res, entry, rateLimitAnswer(fault, rateKey), undefined);

    if (opts.token !== undefined && given !== opts.token) {
      return send(
        res,
        entry,
        { status: 401, headers: { 'content-type': 'application/json; charset=utf-8' }, body: errorBody(401, 'Bad credentials') },
        undefined,
      );
    }
    if (limits.exhausted(rateKey)) {
      return send(
        res,
        entry,
        {
          status: 403,
          headers: { 'content-type': 'application/json; charset=utf-8', ...limits.headers(rateKey) },
          body: errorBody(403, `API rate limit exceeded for user ID ${9_000_001}.`),
        },
        undefined,
      );
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const hookPath = /^\/repos\/([^/]+\/[^/]+)(\/hooks(?:\/\d+)?)\/?$/.exec(url.pathname);
    const hookAnswer = hookPath && store.repo(hookPath[1]!) ? hooks.route(method, hookPath[1]!, hookPath[2]!, body) : undefined;
    const answer =
      hookAnswer ??
      route(store, limits, { method, path: url.pathname, query: url.searchParams, headers, body, urls: { api: base, web: `${base}/web` }, rateKey });
    // Conditional requests answered 304 do not count against the primary limit.
    if (answer.status !== 304) limits.spend(rateKey);
    answer.headers = { ...answer.headers, ...limits.headers(rateKey), 'x-github-api-version-selected': '2022-11-28' };
    return send(res, entry, answer, fault);
  }

  function rateLimitAnswer(fault: Extract<Fault, { kind: 'rateLimit' }>, key: string): FakeResponse {
    const status = fault.status ?? 403;
    if (fault.type === 'primary') {
      const w = limits.window(key);
      const reset = fault.retryAfter !== undefined ? store.now() + fault.retryAfter : w.reset;
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        ...limits.headers(key),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': String(w.limit),
        'x-ratelimit-reset': String(reset),
      };
      return { status, headers, body: errorBody(status, 'API rate limit exceeded for user ID 9000001.') };
    }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...limits.headers(key) };
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    return { status, headers, body: errorBody(status, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.') };
  }

  function send(res: http.ServerResponse, entry: RequestLogEntry, answer: FakeResponse, fault: Fault | undefined): void {
    entry.status = answer.status;
    const date = new Date(nowMs()).toUTCString();
    const bytes = Buffer.from(answer.body, 'utf8');
    res.writeHead(answer.status, { ...answer.headers, date, 'content-length': String(bytes.length) });
    if (fault?.kind === 'dropResponse') {
      entry.status = -3;
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'truncate') {
      entry.status = -4;
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      setImmediate(() => res.socket?.destroy());
      return;
    }
    res.end(bytes);
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  base = `http://${address}:${port}`;
  const list = <T>(repo: string, pick: (r: NonNullable<ReturnType<FakeStore['repo']>>) => T[]): T[] => pick(store.mustRepo(repo));
  const urls = () => ({ api: base, web: `${base}/web` });

  return {
    url: base,
    webUrl: `${base}/web`,
    faults,
    requests,
    hooks,
    close: () => {
      for (const s of held) s.destroy();
      return closeHttpServer(server);
    },
    createRepo: (n, o) => void store.createRepo(n, o),
    setRepoIssues: (n, enabled) => {
      store.mustRepo(n).hasIssues = enabled;
    },
    deleteRepo: (n) => void store.repos.delete(n.toLowerCase()),
    createIssue: (repo, i) => asIssue(store, repo, store.createIssue(repo, i), urls()),
    editIssue: (repo, n, p, actor) => asIssue(store, repo, store.editIssue(repo, n, p, actor), urls()),
    events: (repo) => [...store.mustRepo(repo).events],
    setRepoWritable: (n, writable) => {
      store.mustRepo(n).writable = writable;
    },
    deleteIssue: (repo, n) => store.deleteIssue(repo, n),
    createComment: (repo, n, c) => asComment(store, repo, store.createComment(repo, n, c), urls()),
    editComment: (repo, id, body) => asComment(store, repo, store.editComment(repo, id, body), urls()),
    deleteComment: (repo, id) => store.deleteComment(repo, id),
    issues: (repo) => list(repo, (r) => [...r.issues.values()].filter((i) => !i.deleted).map((i) => asIssue(store, repo, i, urls()))),
    comments: (repo) => list(repo, (r) => [...r.comments.values()].map((c) => asComment(store, repo, c, urls()))),
    rateLimitState: (token) => {
      const w = limits.window(token ?? opts.token ?? 'anonymous');
      return { limit: w.limit, used: w.used, remaining: Math.max(0, w.limit - w.used), reset: w.reset };
    },
    setRateLimit: (o, token) => limits.set(token ?? opts.token ?? 'anonymous', o),
  };
}

function asIssue(store: FakeStore, repo: string, i: IssueRecord, urls: { api: string; web: string }): FakeIssue {
  return issueJson(store.mustRepo(repo), i, 'full', urls) as FakeIssue;
}

function asComment(store: FakeStore, repo: string, c: CommentRecord, urls: { api: string; web: string }): FakeComment {
  return commentJson(store.mustRepo(repo), c, 'full', urls) as FakeComment;
}
