import type { ServerConfig, UpstreamConfig } from '../server/config.js';
import { GITHUB_ENVIRONMENT } from '../server/connectors/environments.js';

/**
 * The server's configuration on loopback, as the tests, the bench and the sandbox run
 * it (production reads its own from the environment, config.ts): one place for the
 * defaults, each caller naming only what differs.
 */
export function localConfig(o: LocalConfigOverrides & Pick<ServerConfig, 'extensionSecret'>): ServerConfig {
  const { upstream, ...rest } = o;
  const env = GITHUB_ENVIRONMENT.env;
  return {
    port: 0,
    host: '127.0.0.1',
    deskApiUrl: 'http://127.0.0.1:9',
    deskUrlKey: undefined,
    transport: 'direct',
    connector: 'github',
    logLevel: 'info',
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: 5000,
    shutdownDelayMs: 0,
    claimStore: 'memory',
    callbackHash: 'log',
    invokeQuery: 'url',
    pull: { maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 20_000, maxBytes: 5 * 1024 * 1024 },
    ...rest,
    upstream: { apiUrl: 'http://127.0.0.1:9', webUrl: env.webUrl, token: undefined, connection: env.connection, ...upstream },
  };
}

/** What a caller changes of the loopback configuration; the upstream's fields one by one. */
export type LocalConfigOverrides = Omit<Partial<ServerConfig>, 'upstream'> & { upstream?: Partial<UpstreamConfig> };
