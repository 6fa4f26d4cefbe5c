import { createHmac, randomUUID } from 'node:crypto';
import type { FakeStore, StoreChange } from './store.js';
import { commentJson, issueJson, userJson, type Urls } from './json.js';
import type { FakeResponse } from './routes.js';
import { webhookRepository } from './webhook-repository.js';

export interface FakeHook {
  id: number;
  url: string;
  secret: string;
  contentType: string;
  events: string[];
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryLogEntry {
  id: string;
  hook: number;
  event: string;
  action: string;
  repo: string;
  /** HTTP status our server answered; 0 when it did not answer; -1 when dropped (a lost delivery). */
  status: number;
  sentAt: number;
  ms: number;
  /** What was (or would have been) sent, so a test can deliver it again: GitHub's "Redeliver". */
  url: string;
  body: string;
  headers: Record<string, string>;
}

const json = (status: number, value: unknown): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: value === undefined ? '' : JSON.stringify(value),
});
const fail = (status: number, message: string): FakeResponse =>
  json(status, { message, documentation_url: 'https://docs.github.com/rest/repos/webhooks', status: String(status) });

/**
 * GitHub's repository webhooks (REST "Repository webhooks") and their deliveries
 * (docs "Webhook events and payloads"): hooks are listed, created, updated and deleted
 * by an account with admin rights (others get 404, as GitHub answers), and each write
 * to the store is POSTed to every active hook subscribed to its event, signed with the
 * hook's secret, with GitHub's headers.
 */
export class FakeHooks {
  readonly hooks = new Map<string, FakeHook[]>();
  readonly deliveries: DeliveryLogEntry[] = [];
  /** Repositories where the authorised account is not an admin. */
  readonly noAdmin = new Set<string>();
  /** true: deliveries are dropped unsent (the webhook path is down; GitHub never retries). */
  drop = false;
  /** While set, deliveries wait for it before they are sent (a barrier for races). */
  gate: Promise<void> | undefined;
  #nextId = 400_000_001;
  #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: FakeStore,
    private readonly urls: () => Urls,
  ) {
    store.onChange = (c) => this.#deliver(c);
  }

  #changeWaiters: Array<() => void> = [];

  /** Resolves at the next write to any repository's hooks (created, changed or deleted): a test's signal. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.#changeWaiters.push(resolve));
  }

  /** Answers /repos/{o}/{r}/hooks[/{id}], or undefined for other paths. */
  route(method: string, repoName: string, rest: string, body: string): FakeResponse | undefined {
    const answer = this.#route(method, repoName, rest, body);
    if (method !== 'GET' && answer && answer.status < 300) for (const w of this.#changeWaiters.splice(0)) w();
    return answer;
  }

  #route(method: string, repoName: string, rest: string, body: string): FakeResponse | undefined {
    const m = /^\/hooks(?:\/(\d+))?$/.exec(rest);
    if (!m) return undefined;
    const key = repoName.toLowerCase();
    if (this.noAdmin.has(key)) return fail(404, 'Not Found');
    const list = this.hooks.get(key) ?? [];
    this.hooks.set(key, list);
    const id = m[1] === undefined ? undefined : Number(m[1]);
    const hook = id === undefined ? undefined : list.find((h) => h.id === id);
    if (id !== undefined && !hook) return fail(404, 'Not Found');
    let input: Record<string, unknown> = {};
    if (body.trim() !== '') {
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return fail(400, 'Problems parsing JSON');
      }
    }
    if (method === 'GET') return json(200, hook ? this.#json(key, hook) : list.map((h) => this.#json(key, h)));
    if (method === 'DELETE' && hook) {
      list.splice(list.indexOf(hook), 1);
      return json(204, undefined);
    }
    if ((method === 'POST' && !hook) || (method === 'PATCH' && hook)) {
      const config = (input.config ?? {}) as Record<string, unknown>;
      const events = Array.isArray(input.events) ? input.events.filter((e): e is string => typeof e === 'string') : undefined;
      const url = typeof config.url === 'string' ? config.url : hook?.url;
      if (!url || !/^https?:\/\//.test(url))
        return json(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Hook', code: 'custom', message: 'Config url is invalid' }],
          documentation_url: 'https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook',
          status: '422',
        });
      const t = this.store.now();
      const next: FakeHook = {
        id: hook?.id ?? this.#nextId++,
        url,
        secret: typeof config.secret === 'string' ? config.secret : (hook?.secret ?? ''),
        contentType: typeof config.content_type === 'string' ? config.content_type : (hook?.contentType ?? 'form'),
        events: events ?? hook?.events ?? ['push'],
        active: typeof input.active === 'boolean' ? input.active : (hook?.active ?? true),
        createdAt: hook?.createdAt ?? t,
        updatedAt: t,
      };
      if (hook) list[list.indexOf(hook)] = next;
      else list.push(next);
      return json(hook ? 200 : 201, this.#json(key, next));
    }
    return fail(404, 'Not Found');
  }

  /** Resolves when every delivery sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** The payload GitHub would send for a change (also used by tests to forge and replay). */
  payload(c: StoreChange): Record<string, unknown> | undefined {
    const repo = this.store.repo(c.repo);
    const issue = repo?.issues.get(c.issue);
    if (!repo || !issue) return undefined;
    const urls = this.urls();
    const comment = c.comment === undefined ? undefined : repo.comments.get(c.comment);
    return webhookShape({
      action: c.action,
      issue: issueJson(repo, issue, 'raw', urls),
      ...(comment
        ? {
            comment: {
              ...commentJson(repo, comment, 'raw', urls),
              reactions: noReactions(`${urls.api}/repos/${c.repo}/issues/comments/${comment.id}/reactions`),
            },
          }
        : {}),
      // What an edit changed: the fake keeps no old values, so it says "the body" with an empty former text.
      ...(c.action === 'edited' ? { changes: { body: { from: '' } } } : {}),
      ...(c.label !== undefined
        ? {
            label: {
              id: 1,
              node_id: 'LA_1',
              url: `${urls.api}/repos/${c.repo}/labels/${encodeURIComponent(c.label)}`,
              name: c.label,
              description: null,
              color: 'ededed',
              default: false,
            },
          }
        : {}),
      repository: webhookRepository(repo, urls),
      sender: userJson(c.sender, urls),
    }) as Record<string, unknown>;
  }

  #deliver(c: StoreChange): void {
    const payload = this.payload(c);
    if (!payload) return;
    const targetId = (payload.repository as { id: number }).id;
    for (const hook of this.hooks.get(c.repo.toLowerCase()) ?? []) {
      if (!hook.active || !hook.events.includes(c.event)) continue;
      const id = randomUUID();
      const body = deliveryBody(hook.contentType, JSON.stringify(payload));
      const entry: DeliveryLogEntry = {
        id,
        hook: hook.id,
        event: c.event,
        action: c.action,
        repo: c.repo,
        status: 0,
        sentAt: performance.now(),
        ms: 0,
        url: hook.url,
        body,
        headers: deliveryHeaders(hook, { id, event: c.event, targetId }, body),
      };
      this.deliveries.push(entry);
      if (this.drop) {
        entry.status = -1;
        continue;
      }
      const p = this.#send(hook, entry, body);
      this.#inFlight.add(p);
      void p.finally(() => this.#inFlight.delete(p));
    }
  }

  async #send(hook: FakeHook, entry: DeliveryLogEntry, body: string): Promise<void> {
    if (this.gate) await this.gate;
    entry.sentAt = performance.now();
    try {
      const res = await fetch(hook.url, { method: 'POST', headers: entry.headers, body, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      entry.status = res.status;
    } catch {
      entry.status = 0;
    }
    entry.ms = performance.now() - entry.sentAt;
  }

  #json(repo: string, h: FakeHook): Record<string, unknown> {
    const api = `${this.urls().api}/repos/${repo}/hooks/${h.id}`;
    return {
      type: 'Repository',
      id: h.id,
      name: 'web',
      active: h.active,
      events: h.events,
      // GitHub never shows a hook's secret back.
      config: { url: h.url, content_type: h.contentType, insecure_ssl: '0', ...(h.secret ? { secret: '********' } : {}) },
      updated_at: new Date(h.updatedAt * 1000).toISOString(),
      created_at: new Date(h.createdAt * 1000).toISOString(),
      url: api,
      test_url: `${api}/test`,
      ping_url: `${api}/pings`,
      deliveries_url: `${api}/deliveries`,
      last_response: { code: null, status: 'unused', message: null },
    };
  }
}

/** A hook whose content type is `form` gets the JSON as the form field `payload`, as GitHub sends it. */
function deliveryBody(contentType: string, json: string): string {
  return contentType === 'form' ? `payload=${encodeURIComponent(json)}` : json;
}

/**
 * GitHub's delivery headers (docs "Webhook events and payloads", "Delivery headers"):
 * the installation target of a repository hook is the repository, by its id.
 */
export function deliveryHeaders(
  hook: { id: number; secret: string; contentType?: string },
  d: { id: string; event: string; targetId?: number },
  body: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': hook.contentType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
    'user-agent': 'GitHub-Hookshot/7c2b9e1',
    'x-github-event': d.event,
    'x-github-delivery': d.id,
    'x-github-hook-id': String(hook.id),
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': String(d.targetId ?? 1),
  };
  if (hook.secret) {
    headers['x-hub-signature'] = `sha1=${createHmac('sha1', hook.secret).update(body).digest('hex')}`;
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
  }
  return headers;
}

/**
 * REST objects as webhook payloads carry them: without the fields the webhook schemas
 * (@octokit/webhooks-schemas) do not list, which GitHub's REST answers added later.
 */
function webhookShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(webhookShape);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !REST_ONLY.has(k))
      .map(([k, x]) => [k, webhookShape(x)]),
  );
}
const REST_ONLY = new Set(['user_view_type']);

function noReactions(url: string): Record<string, unknown> {
  return { url, total_count: 0, '+1': 0, '-1': 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
}
