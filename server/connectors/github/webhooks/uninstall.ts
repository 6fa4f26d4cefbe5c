import type { RequestLog } from '../../../sync/channel.js';
import type { DeskCall } from '../../../desk/normalise.js';
import type { Transport } from '../../../transport/transport.js';
import { GitHubApi } from '../api.js';
import { desiredHook, removeOurHooks } from '../hooks.js';
import { readSettings } from '../settings.js';
import type { ConfigParams } from '../../../desk/wire-types.js';
import type { HookKeys } from './seal.js';

/**
 * A verified onUninstall: the installation's hooks are removed from every repository
 * its settings name (Desk's callback body carries them as configParams where it sends
 * them). Where it does not, the hooks stay until an admin deletes them; their
 * deliveries fail at Desk's Invoke (the securityContext is dead) and import nothing.
 */
export async function removeHooksOnUninstall(
  o: { keys: HookKeys; publicUrl: string; transportFor: (q: DeskCall) => Transport },
  body: { orgId: string | number; securityContext: string; configParams?: unknown },
  log: RequestLog & { info?: (o: object, msg: string) => void },
): Promise<number> {
  const query: DeskCall = { orgId: String(body.orgId), securityContext: body.securityContext };
  const params = paramsOf(body.configParams);
  let repositories: string[];
  try {
    repositories = readSettings(params, Date.now()).repositories;
  } catch {
    log.warn({ orgId: query.orgId }, 'onUninstall names no repositories: webhooks, if any, stay until removed on GitHub');
    return 0;
  }
  const api = new GitHubApi(o.transportFor(query));
  let removed = 0;
  for (const repo of repositories) {
    const { prefix } = desiredHook({ keys: o.keys, publicUrl: o.publicUrl, orgId: query.orgId, securityContext: query.securityContext }, repo, {
      repositories,
      labels: [],
      importSince: 0,
      includePullRequests: false,
      storyThreads: false,
      escalation: {},
    });
    removed += await removeOurHooks({ api, log }, repo, prefix).catch((err: unknown) => {
      log.warn(
        { code: (err as { code?: string }).code ?? 'INTERNAL', repo },
        'onUninstall: the webhooks could not be listed; they stay until removed on GitHub',
      );
      return 0;
    });
  }
  return removed;
}

function paramsOf(raw: unknown): ConfigParams {
  const out: ConfigParams = {};
  if (Array.isArray(raw)) {
    for (const p of raw)
      if (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string')
        out[(p as { name: string }).name] = String((p as { value?: unknown }).value ?? '');
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
