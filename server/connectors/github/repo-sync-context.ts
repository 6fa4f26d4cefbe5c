import type { GitHubApi } from './api.js';
import type { GitHubSettings } from './settings.js';

/** What one repository's sync works with (repo-sync.ts and its parts). */
export interface RepoSyncContext {
  api: GitHubApi;
  settings: GitHubSettings;
  now: () => number;
  /** Threads one repository can send in a pull with nothing else waiting (its fair share of the cap). */
  threadsPerPull: number;
  /** When the pull started (epoch ms), to size a request's grace past the deadline. */
  startedAt: number;
  /** True for a comment this installation posted from Desk (see marker.ts). */
  isOwnReply: (ticket: string, body: string) => boolean;
}
