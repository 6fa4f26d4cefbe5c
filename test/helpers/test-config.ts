import type { ServerConfig } from '../../server/config.js';
import { localConfig, type LocalConfigOverrides } from '../../sandbox/local-config.js';

/** Sentinel secrets: tests search logs, bodies and channelState for these exact strings. */
export const SENTINEL = {
  secret: 'SENTINEL-extension-secret-7f3a9c',
  urlKey: 'SENTINELurlKey0123456789abcdef',
  token: 'SENTINEL_github_token_5b2e8d',
  securityContext: 'SENTINEL-security-context-91d4',
} as const;

export function testConfig(overrides: LocalConfigOverrides = {}): ServerConfig {
  const { upstream, ...rest } = overrides;
  return localConfig({
    extensionSecret: SENTINEL.secret,
    // Two servers of a test play two replicas: no claims shared, the reply marker alone settles races.
    claimStore: 'none',
    ...rest,
    upstream: { token: SENTINEL.token, ...upstream },
  });
}
