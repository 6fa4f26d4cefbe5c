import type { HookState } from './wire-types.js';
import { desiredHook, ensureHook, type HookContext } from './hooks.js';
import { REPO_PATTERN } from './contract.js';

/** A loop-only hook is looked at again after this: a repository may have joined or left the settings meanwhile. */
const LOOP_HOOK_RECHECK_SECONDS = 3600;

/**
 * Webhooks on the repositories that only linked issues live in (an e-mail ticket escalated
 * to a repository the channel does not sync): sealed "loop only", so their deliveries
 * start the escalation loop for the issue and import nothing. Kept by each pull's
 * reconciler, remembered in this process (not in channelState: the status page lists
 * only synced repositories), and looked at again hourly. A repository that joins the
 * settings gets the channel's own hook instead (same hook id: the pull's hook check
 * finds ours and rewrites it); hooks stay when links go (a delivery then finds no
 * ticket: one Desk search) and on uninstall (README).
 */
export class LoopHooks {
  readonly #known = new Map<string, HookState>();

  async keep(ctx: HookContext, repos: readonly string[], synced: readonly string[]): Promise<void> {
    const wanted = [...new Set(repos.map((r) => r.toLowerCase()))].filter((r) => REPO_PATTERN.test(r) && !synced.includes(r));
    await Promise.all(
      wanted.map(async (repo) => {
        const key = `${ctx.orgId}\n${repo}`;
        const prev = this.#known.get(key);
        const fresh = prev && ctx.nowS - prev.t < LOOP_HOOK_RECHECK_SECONDS ? prev : undefined;
        const want = desiredHook(ctx, repo, 'loop-only');
        if (fresh && (fresh.p === 'admin' || fresh.f === want.fingerprint)) return;
        const state = await ensureHook(ctx, repo, want, undefined);
        this.#known.set(key, state);
        if (state.i !== undefined) ctx.installed?.installed(want.id, want.token);
      }),
    );
  }
}
