import { AppError } from '../../errors.js';
import type { ConfigParams } from '../../desk/wire-types.js';
import { MAX_REPOSITORIES, REPO_PATTERN } from './contract.js';
import { normaliseRepositories } from './repositories.js';

/** An installation's settings, from the config params Desk sends with each pull and push. */
export interface GitHubSettings {
  repositories: string[];
  labels: string[];
  /** Epoch seconds: where the first sync of a repository starts. */
  importSince: number;
  includePullRequests: boolean;
  /** Closed, reopened, labelled and assigned on GitHub become short threads (`story_threads`, default on). */
  storyThreads: boolean;
  /** The escalation loop's params (links_in_use, links_field, loop_*), passed on as Desk sent them (escalation/loop.ts reads them). */
  escalation: Record<string, string | null>;
}

/** Without importSince the first sync reaches back this far: enough context, no flood of old issues. */
export const DEFAULT_IMPORT_DAYS = 30;

export function readSettings(params: ConfigParams, nowMs: number): GitHubSettings {
  // The typed setting and the status widget's picker (selected_repositories, set through
  // the SDK, which can set only non-userdefined params) both count (README).
  const repositories = normaliseRepositories(params.repositories, params.selected_repositories);
  if (repositories.length === 0) throw new AppError('CONFIG_INVALID', 'the repositories setting is empty: name one or more owner/repo');
  const bad = repositories.filter((r) => !REPO_PATTERN.test(r));
  if (bad.length > 0) {
    throw new AppError('CONFIG_INVALID', `the repositories setting has ${bad.length} entr${bad.length === 1 ? 'y' : 'ies'} that are not owner/repo`);
  }
  if (repositories.length > MAX_REPOSITORIES) throw new AppError('CONFIG_INVALID', `at most ${MAX_REPOSITORIES} repositories per installation`);

  const labels = (params.labels ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (labels.length > 20 || labels.some((l) => l.length > 100)) throw new AppError('CONFIG_INVALID', 'the labels setting is too long');

  // The first packages named these importSince and includePullRequests: still read.
  const importSince = params.import_since ?? params.importSince ?? '';
  const includePullRequests = params.include_pull_requests ?? params.includePullRequests ?? '';
  return {
    repositories,
    labels,
    importSince: readImportSince(importSince, nowMs),
    includePullRequests: /^(yes|true|1|on)$/i.test(includePullRequests.trim()),
    storyThreads: !/^(no|false|0|off)$/i.test((params.story_threads ?? '').trim()),
    escalation: Object.fromEntries(
      Object.entries(params).filter(([k, v]) => /^(links_in_use|links_field|loop_[a-z_]{1,40})$/.test(k) && v !== undefined),
    ) as Record<string, string | null>,
  };
}

function readImportSince(raw: string, nowMs: number): number {
  const v = raw.trim().toLowerCase();
  const nowS = Math.floor(nowMs / 1000);
  if (v === '') return nowS - DEFAULT_IMPORT_DAYS * 86_400;
  if (v === 'all') return 0;
  const days = /^(\d{1,5})\s*d(ays?)?$/.exec(v);
  if (days) return Math.max(0, nowS - Number(days[1]) * 86_400);
  if (/^\d{4}-\d{2}-\d{2}(t[\d:.]+z?)?$/.test(v)) {
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.toUpperCase());
    if (Number.isFinite(ms)) return Math.max(0, Math.floor(ms / 1000));
  }
  throw new AppError('CONFIG_INVALID', 'import_since must be a date (2026-01-31), a number of days (30d) or all');
}
