import type { ServerConfig } from '../../server/config.js';

/** Sentinel secrets: tests search logs, bodies and channelState for these exact strings. */
export const SENTINEL = {
  secret: 'SENTINEL-extension-secret-7f3a9c',
  urlKey: 'SENTINELurlKey0123456789abcdef',
  token: 'SENTINEL_github_token_5b2e8d',
  securityContext: 'SENTINEL-security-context-91d4',
} as const;

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    extensionSecret: SENTINEL.secret,
    deskApiUrl: 'http://127.0.0.1:9',
    deskUrlKey: undefined,
    transport: 'direct',
    githubApiUrl: 'http://127.0.0.1:9',
    githubWebUrl: 'https://github.com',
    githubToken: SENTINEL.token,
    githubConnection: 'github',
    logLevel: 'info',
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: 5000,
    shutdownDelayMs: 0,
    // Two servers of a test play two replicas: no claims shared, the reply marker alone settles races.
    claimStore: 'none',
    callbackHash: 'log',
    invokeQuery: 'url',
    pull: { maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 20_000, maxBytes: 5 * 1024 * 1024 },
    ...overrides,
  };
}
