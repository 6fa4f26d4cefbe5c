/**
 * What the server and the widgets both know of GitHub, in one browser-safe file (no Node
 * import: rollup bundles it into the card and the settings page).
 */

/** owner/repo as channelState and settings hold it (lower case). GitHub refuses `.` and `..` as repository names; as a path segment they would climb out of /repos/{owner}. */
export const REPO_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38})\/(?!\.\.?$)[a-z0-9._-]{1,100}$/;

/** owner/repo as people and GitHub write it (any case). */
export const REPO_ANY_CASE = new RegExp(REPO_PATTERN.source, 'i');

/** Repositories one installation syncs, at most (the settings refuse more; the picker stops at it). */
export const MAX_REPOSITORIES = 10;

/** The extension's data-storage key of a ticket's issue: `<ticket id>_github_issue` (SYNC extra, read back by the card). */
export const EXTRA_KEY_SUFFIX = '_github_issue';

/** github.com's API root and the connection's default name; an Enterprise package writes its own (npm run pack). */
export const GITHUB_API = 'https://api.github.com';
export const GITHUB_CONNECTION = 'github';
