/**
 * The repositories a setting names, normalised once: lower case, a pasted
 * https://github.com/owner/repo(.git) URL read as owner/repo, duplicates dropped. The
 * server's settings and the status widget both read them here (no Node imports: rollup
 * bundles this file), so the widget never shows a repository the sync does not know.
 */
export function normaliseRepositories(...settings: Array<string | null | undefined>): string[] {
  const names = settings
    .map((s) => s ?? '')
    .join(',')
    .split(/[\s,]+/)
    .map((r) =>
      r
        .trim()
        .toLowerCase()
        .replace(/^https:\/\/github\.com\//, '')
        .replace(/\.git$/, '')
        .replace(/\/$/, ''),
    )
    .filter(Boolean);
  return [...new Set(names)];
}
