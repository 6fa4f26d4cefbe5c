import type { RepoView } from './state.js';

export type Health = 'healthy' | 'behind' | 'rate-limited' | 'failing' | 'stale' | 'waiting';

/** Desk pulls every 4 minutes; well over that without a pull means the sync has stopped. */
export const STALE_AFTER_SECONDS = 10 * 60;

/** One word for a repository's sync, worst first. */
export function healthOf(repo: RepoView | undefined, lastPullAt: number | undefined, now: number): Health {
  if (!repo || lastPullAt === undefined) return 'waiting';
  if (now - lastPullAt > STALE_AFTER_SECONDS) return 'stale';
  if ((repo.nextAllowedAt !== undefined && repo.nextAllowedAt > now) || repo.error?.code === 'UPSTREAM_RATE_LIMITED') return 'rate-limited';
  if (repo.error) return 'failing';
  if (repo.more) return 'behind';
  return 'healthy';
}
