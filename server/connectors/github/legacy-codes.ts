/**
 * Error codes earlier releases wrote into channelState, and today's generic names for
 * them: an old state stays readable by the server (Connector.legacyCodes) and the widget
 * alike (no Node imports here: rollup bundles this file into the widget).
 */
export const LEGACY_CODES: Readonly<Record<string, string>> = {
  GITHUB_UNAUTHORIZED: 'UPSTREAM_UNAUTHORIZED',
  GITHUB_FORBIDDEN: 'UPSTREAM_FORBIDDEN',
  GITHUB_REPO_NOT_FOUND: 'SOURCE_NOT_FOUND',
  GITHUB_ISSUES_DISABLED: 'SOURCE_DISABLED',
  GITHUB_RATE_LIMITED: 'UPSTREAM_RATE_LIMITED',
  GITHUB_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  GITHUB_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
};

/** The code as today's catalogue names it. */
export function currentCode(code: string, legacy: Readonly<Record<string, string>> = LEGACY_CODES): string {
  return Object.prototype.hasOwnProperty.call(legacy, code) ? legacy[code]! : code;
}
