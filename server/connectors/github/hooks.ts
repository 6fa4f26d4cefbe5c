import { createHash } from 'node:crypto';
import type { HookState } from './wire-types.js';

/** What hooks read of the stored records: each repository's webhook record, if any. */
export type StoredHooks = Readonly<Record<string, { readonly w?: HookState | undefined }>>;
import type { RequestLog } from '../../sync/channel.js';
import { GitHubError, type GitHubApi } from './api.js';
import type { GitHubSettings } from './settings.js';
import { hookSecret, sealTarget, type HookKeys, type HookTarget } from './webhooks/seal.js';
import type { InstalledHookUrls } from './webhooks/installed-urls.js';
import { REPO_PATTERN } from './contract.js';

/** How long a hook that looked right, or a repository that refused us hooks, goes unchecked. */
export const HOOK_RECHECK_SECONDS = 86_400;
const EVENTS = ['issues', 'issue_comment'];

export interface HookContext {
  api: GitHubApi;
  keys: HookKeys;
  /** PUBLIC_URL: the https origin where GitHub reaches this server. */
  publicUrl: string;
  orgId: string;
  securityContext: string;
  nowS: number;
  /** The URL each hook should carry, as this process's pulls installed it (deliveries through an old one are dropped). */
  installed?: InstalledHookUrls | undefined;
  log?: (RequestLog & { info?: (o: object, msg: string) => void }) | undefined;
}

export interface DesiredHook {
  url: string;
  /** The hook id and sealed token the URL ends with. */
  id: string;
  token: string;
  secret: string;
  /** Every URL of this installation's hook on the repository starts so, whatever it seals. */
  prefix: string;
  fingerprint: string;
}

/** The hook a repository should carry: for a synced one, with the settings its deliveries are mapped by; `'loop-only'` for one only linked issues live in. */
export function desiredHook(
  ctx: Pick<HookContext, 'keys' | 'publicUrl' | 'orgId' | 'securityContext'>,
  repo: string,
  settings: GitHubSettings | 'loop-only',
): DesiredHook {
  const target: HookTarget = { o: ctx.orgId, s: ctx.securityContext, r: repo };
  if (settings === 'loop-only') target.e = 1;
  else {
    if (settings.labels.length > 0) target.l = settings.labels;
    if (settings.includePullRequests) target.p = 1;
    if (settings.storyThreads) target.t = 1;
  }
  const { id, token } = sealTarget(ctx.keys, target);
  const prefix = `${ctx.publicUrl.replace(/\/$/, '')}/github/webhooks/${id}/`;
  const secret = hookSecret(ctx.keys, id);
  const fingerprint = createHash('sha256').update(`${prefix}${token}\n${secret}`).digest('base64url').slice(0, 12);
  return { url: `${prefix}${token}`, id, token, secret, prefix, fingerprint };
}

/** A hook request never holds a pull long: GitHub's hooks API answers in well under a second. */
const HOOK_REQUEST_TIMEOUT_MS = 5_000;

/**
 * syncHooks, bounded by the pull's deadline: what is not settled by then keeps its
 * previous record and goes on in the background (a hook it creates is found by its URL
 * prefix at the next check, so it is never made twice).
 */
export async function syncHooksBy(
  deadline: number,
  now: () => number,
  ctx: HookContext,
  settings: GitHubSettings,
  previous: StoredHooks | null,
): ReturnType<typeof syncHooks> {
  const work = syncHooks(ctx, settings, previous).catch((err: unknown) => {
    ctx.log?.error({ code: 'INTERNAL', err }, 'webhook check failed');
    return undefined;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - now()))));
  const done = await Promise.race([work, late]);
  clearTimeout(timer);
  if (done) return done;
  ctx.log?.warn({ code: 'UPSTREAM_UNAVAILABLE' }, 'webhook check not done by the end of the pull: the previous records are kept');
  const keep = (repos: string[]) => Object.fromEntries(repos.flatMap((r) => (previous?.[r]?.w ? [[r, previous[r]!.w!]] : [])));
  return { hooks: keep(settings.repositories), unremoved: keep(Object.keys(previous ?? {}).filter((r) => !settings.repositories.includes(r))) };
}

/**
 * Each configured repository's hook as this pull leaves it, and the hooks of
 * repositories that left the settings removed. Never fails the pull: a hook is a speed-up.
 */
export async function syncHooks(
  ctx: HookContext,
  settings: GitHubSettings,
  previous: StoredHooks | null,
): Promise<{ hooks: Record<string, HookState>; unremoved: Record<string, HookState> }> {
  const hooks: Record<string, HookState> = {};
  await Promise.all(
    settings.repositories.map(async (repo) => {
      const want = desiredHook(ctx, repo, settings);
      const hook = (hooks[repo] = await ensureHook(ctx, repo, want, previous?.[repo]?.w));
      if (hook.i !== undefined && !hook.p) ctx.installed?.installed(want.id, want.token);
    }),
  );
  // A hook that could not be removed is kept in the state and tried again at the next pull:
  // forgetting it would leave a repository outside the settings feeding Desk. The state
  // comes back from Desk but anyone holding the URL key can forge one: a name GitHub
  // would not give a repository is dropped unread, and a hook is removed only when
  // GitHub shows it is ours (our prefix), never on the state's word.
  const unremoved: Record<string, HookState> = {};
  const departed = Object.entries(previous ?? {}).filter(([repo, r]) => !settings.repositories.includes(repo) && r.w?.i !== undefined);
  await Promise.all(
    departed.map(async ([repo, r]) => {
      if (!REPO_PATTERN.test(repo)) {
        ctx.log?.warn({ code: 'STATE_INVALID' }, 'a webhook record names no repository GitHub could have: dropped, nothing touched');
        return;
      }
      const prefix = desiredHook(ctx, repo, settings).prefix;
      if (!(await removeHookIfOurs(ctx, repo, r.w!.i!, prefix))) unremoved[repo] = r.w!;
    }),
  );
  return { hooks, unremoved };
}

/**
 * Exactly one active hook of ours per repository: a hook whose URL starts with our
 * prefix (the installation's hook id) is ours, extras are deleted, a wrong URL or an
 * inactive hook repaired in place. GitHub's list hides the secret, so a changed
 * fingerprint is repaired whatever the list says.
 */
export async function ensureHook(ctx: HookContext, repo: string, want: DesiredHook, prev: HookState | undefined): Promise<HookState> {
  // A delivery through an old URL of this hook (restored by an admin) makes it due now.
  const fresh = prev !== undefined && ctx.nowS - prev.t < HOOK_RECHECK_SECONDS && !ctx.installed?.needsRepair(want.id);
  if (fresh && prev.p === 'admin') return prev;
  if (fresh && !prev.p && prev.i !== undefined && prev.f === want.fingerprint) return prev;
  try {
    if (fresh && !prev.p && prev.i !== undefined) {
      // A new securityContext or filter: the hook by id, and one PATCH if GitHub shows it
      // is ours (the id comes from channelState, which a caller can forge), no listing.
      if ((await ourHook(ctx, repo, prev.i, want.prefix)) && (await patchHook(ctx, repo, prev.i, want))) return { i: prev.i, f: want.fingerprint, t: prev.t };
    }
    const res = await ctx.api.request<unknown>('GET', `/repos/${repo}/hooks`, {
      query: { per_page: '100' },
      accept: 'application/vnd.github+json',
      timeoutMs: HOOK_REQUEST_TIMEOUT_MS,
    });
    const hooks = Array.isArray(res.data) ? res.data.flatMap(readHook) : [];
    const [keep, ...extra] = hooks.filter((h) => h.url.startsWith(want.prefix));
    for (const h of extra) await deleteHook(ctx, repo, h.id);
    if (!keep) {
      const created = await ctx.api.request<unknown>('POST', `/repos/${repo}/hooks`, {
        body: { name: 'web', active: true, events: EVENTS, config: configOf(want) },
        accept: 'application/vnd.github+json',
        timeoutMs: HOOK_REQUEST_TIMEOUT_MS,
      });
      const id = readHook(created.data)[0]?.id;
      if (id === undefined) throw new GitHubError('UPSTREAM_BAD_RESPONSE', `GitHub POST /repos/${repo}/hooks: no hook id`, created.status);
      ctx.log?.info?.({ repo, hook: id }, 'webhook registered');
      return { i: id, f: want.fingerprint, t: ctx.nowS };
    }
    const right = keep.url === want.url && keep.active && EVENTS.every((e) => keep.events.includes(e)) && prev?.f === want.fingerprint;
    if (!right) await patchHook(ctx, repo, keep.id, want);
    return { i: keep.id, f: want.fingerprint, t: ctx.nowS };
  } catch (err) {
    if (err instanceof GitHubError && (err.upstreamStatus === 403 || err.upstreamStatus === 404)) {
      ctx.log?.warn({ code: err.code, repo }, 'webhooks need admin rights on the repository: polling only');
      return { p: 'admin', t: ctx.nowS };
    }
    // Anything else (GitHub down, rate limit): polling only until the next pull tries again.
    ctx.log?.warn(
      { code: err instanceof GitHubError ? err.code : 'INTERNAL', repo, err: err instanceof GitHubError ? undefined : err },
      'webhook check failed: polling only for now',
    );
    return { p: 'error', t: ctx.nowS };
  }
}

/** Removes one hook of ours (a repository left the settings, or the extension was uninstalled). */
export async function removeHook(ctx: Pick<HookContext, 'api' | 'log'>, repo: string, id: number): Promise<boolean> {
  try {
    await deleteHook(ctx, repo, id);
    ctx.log?.info?.({ repo, hook: id }, 'webhook removed');
    return true;
  } catch (err) {
    ctx.log?.warn({ code: err instanceof GitHubError ? err.code : 'INTERNAL', repo }, 'webhook removal failed: tried again at the next pull');
    return false;
  }
}

/**
 * Removes the hook `id` if GitHub shows it is ours (its URL starts with our prefix);
 * true when nothing of ours is left there (removed, gone, or never ours).
 */
async function removeHookIfOurs(ctx: Pick<HookContext, 'api' | 'log'>, repo: string, id: number, prefix: string): Promise<boolean> {
  try {
    if (!(await ourHook(ctx, repo, id, prefix))) {
      ctx.log?.warn({ code: 'STATE_INVALID', repo, hook: id }, 'a webhook record names a hook that is not ours: left alone, record dropped');
      return true;
    }
  } catch (err) {
    ctx.log?.warn({ code: err instanceof GitHubError ? err.code : 'INTERNAL', repo }, 'webhook removal failed: tried again at the next pull');
    return false;
  }
  return removeHook(ctx, repo, id);
}

/** The hook `id` as GitHub lists it, if its URL starts with our prefix; undefined when it is gone or not ours. */
async function ourHook(ctx: Pick<HookContext, 'api'>, repo: string, id: number, prefix: string): Promise<ListedHook | undefined> {
  try {
    const res = await ctx.api.request<unknown>('GET', `/repos/${repo}/hooks/${id}`, {
      accept: 'application/vnd.github+json',
      timeoutMs: HOOK_REQUEST_TIMEOUT_MS,
    });
    const hook = readHook(res.data)[0];
    return hook && hook.id === id && hook.url.startsWith(prefix) ? hook : undefined;
  } catch (err) {
    if (err instanceof GitHubError && err.upstreamStatus === 404) return undefined;
    throw err;
  }
}

/** Removes every hook of this installation on the repository, found by its URL prefix (onUninstall). */
export async function removeOurHooks(ctx: Pick<HookContext, 'api' | 'log'>, repo: string, prefix: string): Promise<number> {
  const res = await ctx.api.request<unknown>('GET', `/repos/${repo}/hooks`, {
    query: { per_page: '100' },
    accept: 'application/vnd.github+json',
    timeoutMs: HOOK_REQUEST_TIMEOUT_MS,
  });
  const ours = (Array.isArray(res.data) ? res.data.flatMap(readHook) : []).filter((h) => h.url.startsWith(prefix));
  for (const h of ours) await removeHook(ctx, repo, h.id);
  return ours.length;
}

async function patchHook(ctx: HookContext, repo: string, id: number, want: DesiredHook): Promise<boolean> {
  try {
    await ctx.api.request<unknown>('PATCH', `/repos/${repo}/hooks/${id}`, {
      body: { active: true, events: EVENTS, config: configOf(want) },
      accept: 'application/vnd.github+json',
      timeoutMs: HOOK_REQUEST_TIMEOUT_MS,
    });
    ctx.log?.info?.({ repo, hook: id }, 'webhook repaired');
    return true;
  } catch (err) {
    // Deleted by someone on GitHub: list and create again.
    if (err instanceof GitHubError && err.upstreamStatus === 404) return false;
    throw err;
  }
}

async function deleteHook(ctx: Pick<HookContext, 'api'>, repo: string, id: number): Promise<void> {
  try {
    await ctx.api.request<unknown>('DELETE', `/repos/${repo}/hooks/${id}`, { accept: 'application/vnd.github+json', timeoutMs: HOOK_REQUEST_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof GitHubError && err.upstreamStatus === 404)) throw err;
  }
}

function configOf(want: DesiredHook) {
  return { url: want.url, content_type: 'json', secret: want.secret, insecure_ssl: '0' };
}

interface ListedHook {
  id: number;
  url: string;
  active: boolean;
  events: string[];
}

function readHook(x: unknown): ListedHook[] {
  if (typeof x !== 'object' || x === null) return [];
  const h = x as { id?: unknown; active?: unknown; events?: unknown; config?: { url?: unknown } };
  if (typeof h.id !== 'number' || !Number.isSafeInteger(h.id) || typeof h.config?.url !== 'string') return [];
  return [
    {
      id: h.id,
      url: h.config.url,
      active: h.active === true,
      events: Array.isArray(h.events) ? h.events.filter((e): e is string => typeof e === 'string') : [],
    },
  ];
}
