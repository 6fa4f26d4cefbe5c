import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStore, type CommentRecord, type EventRecord, type FakeUser, type IssueRecord } from './store.js';
import { FaultQueue, type Fault, type FaultEntry } from './faults.js';
import { handle, type FakeContext, type RequestLogEntry } from './handle.js';
import { RateLimits } from './rate-limits.js';
import { commentJson, issueJson } from './json.js';
import { FakeHooks } from './hooks.js';
import { closeHttpServer } from '../close-server.js';

export type { Fault, FaultEntry, FakeUser, EventRecord, RequestLogEntry };

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

export interface FakeGitHub {
  /** The API root, like https://api.github.com. */
  url: string;
  /** Where html_url points: pages of this server under /web that show an issue. */
  webUrl: string;
  close(): Promise<void>;
  createRepo(fullName: string, opts?: { hasIssues?: boolean }): void;
  setRepoIssues(fullName: string, enabled: boolean): void;
  deleteRepo(fullName: string): void;
  /** Renames or transfers a repository: its id stays, its old name is gone. Answers the id. */
  renameRepo(fullName: string, to: string): number;
  /** The repository's numeric id (GitHub's, stable across renames). */
  repoId(fullName: string): number;
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
  let base = '';
  const urls = () => ({ api: base, web: `${base}/web` });
  const f: FakeContext = {
    token: opts.token,
    nowMs,
    store,
    limits: new RateLimits(opts.rateLimit ?? 5000, () => store.now()),
    faults: new FaultQueue(),
    hooks: new FakeHooks(store, urls),
    requests: [],
    held: new Set(),
    urls,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(f, req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  base = `http://${address}:${port}`;
  return controls(f, server);
}

/** What tests and the sandbox drive the fake with: the store's writes, faults, limits and logs. */
function controls(f: FakeContext, server: http.Server): FakeGitHub {
  const { store, limits } = f;
  const list = <T>(repo: string, pick: (r: NonNullable<ReturnType<FakeStore['repo']>>) => T[]): T[] => pick(store.mustRepo(repo));
  const defaultKey = f.token ?? 'anonymous';
  return {
    url: f.urls().api,
    webUrl: f.urls().web,
    faults: f.faults,
    requests: f.requests,
    hooks: f.hooks,
    close: () => {
      for (const s of f.held) s.destroy();
      return closeHttpServer(server);
    },
    createRepo: (n, o) => void store.createRepo(n, o),
    setRepoIssues: (n, enabled) => {
      store.mustRepo(n).hasIssues = enabled;
    },
    deleteRepo: (n) => void store.repos.delete(n.toLowerCase()),
    renameRepo: (n, to) => store.renameRepo(n, to).id,
    repoId: (n) => store.mustRepo(n).id,
    createIssue: (repo, i) => asIssue(store, repo, store.createIssue(repo, i), f.urls()),
    editIssue: (repo, n, p, actor) => asIssue(store, repo, store.editIssue(repo, n, p, actor), f.urls()),
    events: (repo) => [...store.mustRepo(repo).events],
    setRepoWritable: (n, writable) => {
      store.mustRepo(n).writable = writable;
    },
    deleteIssue: (repo, n) => store.deleteIssue(repo, n),
    createComment: (repo, n, c) => asComment(store, repo, store.createComment(repo, n, c), f.urls()),
    editComment: (repo, id, body) => asComment(store, repo, store.editComment(repo, id, body), f.urls()),
    deleteComment: (repo, id) => store.deleteComment(repo, id),
    issues: (repo) => list(repo, (r) => [...r.issues.values()].filter((i) => !i.deleted).map((i) => asIssue(store, repo, i, f.urls()))),
    comments: (repo) => list(repo, (r) => [...r.comments.values()].map((c) => asComment(store, repo, c, f.urls()))),
    rateLimitState: (token) => {
      const w = limits.window(token ?? defaultKey);
      return { limit: w.limit, used: w.used, remaining: Math.max(0, w.limit - w.used), reset: w.reset };
    },
    setRateLimit: (o, token) => limits.set(token ?? defaultKey, o),
  };
}

function asIssue(store: FakeStore, repo: string, i: IssueRecord, urls: { api: string; web: string }): FakeIssue {
  return issueJson(store.mustRepo(repo), i, 'full', urls) as FakeIssue;
}

function asComment(store: FakeStore, repo: string, c: CommentRecord, urls: { api: string; web: string }): FakeComment {
  return commentJson(store.mustRepo(repo), c, 'full', urls) as FakeComment;
}
