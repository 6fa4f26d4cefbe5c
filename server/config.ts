/**
 * The server's configuration, read once from the environment (README, "Configuration").
 * `readConfig` collects every problem and reports them together, so an operator fixes
 * a deployment in one go.
 */
import { baseUrlProblem, secretProblem, urlKeyProblem } from './deploy-values.js';
import { CONNECTOR_ENVIRONMENTS as CONNECTORS, named } from './connectors/environments.js';

export interface ServerConfig {
  port: number;
  host: string;
  extensionSecret: string;
  deskApiUrl: string;
  deskUrlKey: string | undefined;
  transport: 'invoke' | 'direct';
  /** CONNECTOR: the upstream this server serves (server/connectors/registry.ts). */
  connector: string;
  /** The upstream's API and web roots, token (direct transport only) and Invoke connection, from <PREFIX>_* variables. */
  upstream: UpstreamConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  /** How long a stopping server lets requests in flight finish: below Desk's timeout (a guess: 30 s). */
  shutdownGraceMs: number;
  /** How long a stopping server keeps accepting (readiness 503) before it closes its port. */
  shutdownDelayMs: number;
  /** Where replies are claimed before posting: `memory` (per process) or a redis:// URL shared by the replicas. */
  claimStore: string;
  /** log: a callback whose HASH does not verify is answered 200 and not acted on; enforce: 401. */
  callbackHash: 'log' | 'enforce';
  /** Where the upstream's query travels in an Invoke call: inside requestURL (as Zoho's samples do) or in queryParams. */
  invokeQuery: 'url' | 'params';
  pull: PullLimits;
  /** Open connections in all and per peer address (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT); defaults in http/connection-caps.ts. */
  connectionCaps?: { total: number; perClient: number };
  /** PUBLIC_URL: the origin where the upstream's webhooks reach this server; set = webhooks on (README, "Webhooks"). */
  publicUrl?: string | undefined;
  /** The Desk connection (zohoAuthorisation's connectionLinkName) that Desk's import API is called with. */
  deskConnection?: string;
}

export interface UpstreamConfig {
  apiUrl: string;
  webUrl: string;
  token: string | undefined;
  /** The connectionLinkName Desk's Invoke calls the upstream with. */
  connection: string;
}

export interface PullLimits {
  maxTickets: number;
  maxThreads: number;
  timeBudgetMs: number;
  maxBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose presence means "this is a deployment": the sandbox never starts then. */
export const PRODUCTION_VARIABLES: readonly string[] = [
  'EXTENSION_SECRET',
  'DESK_URL_KEY',
  'TRANSPORT',
  'DESK_API_URL',
  'CONNECTOR',
  ...CONNECTORS.flatMap((c) => [`${c.env.prefix}_TOKEN`, `${c.env.prefix}_API_URL`]),
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Readers of the environment's values that note each problem (and fall back) instead of throwing at the first. */
function envReader(env: NodeJS.ProcessEnv, problems: string[]) {
  const str = (name: string, fallback?: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, fallback: string): string => {
    const checked = baseUrlProblem(name, str(name, fallback)!, { loopbackHttp: true });
    if (checked.problem) problems.push(checked.problem);
    return checked.url ?? fallback;
  };
  return { str, int, url };
}

function pullLimits(int: ReturnType<typeof envReader>['int']): PullLimits {
  return {
    maxTickets: int('PULL_MAX_TICKETS', 1000, 1, 1000),
    maxThreads: int('PULL_MAX_THREADS', 1000, 2, 1000),
    timeBudgetMs: int('PULL_TIME_BUDGET_MS', 20_000, 100, 120_000),
    maxBytes: int('PULL_MAX_BYTES', 5 * 1024 * 1024, 64 * 1024, 50 * 1024 * 1024),
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  const { str, int, url } = envReader(env, problems);

  const extensionSecret = str('EXTENSION_SECRET');
  const deskUrlKey = str('DESK_URL_KEY');
  for (const problem of [secretProblem('EXTENSION_SECRET', extensionSecret), urlKeyProblem('DESK_URL_KEY', deskUrlKey)]) {
    if (problem) problems.push(problem);
  }

  const transport = str('TRANSPORT', 'invoke');
  if (transport !== 'invoke' && transport !== 'direct') problems.push('TRANSPORT must be invoke or direct');

  const connectorName = str('CONNECTOR');
  const chosen = named(CONNECTORS, connectorName);
  const connector = chosen ?? CONNECTORS[0]!;
  if (!chosen) problems.push(`CONNECTOR must be one of ${CONNECTORS.map((c) => c.name).join(', ')}`);
  const prefix = connector.env.prefix;
  const token = str(`${prefix}_TOKEN`);
  if (transport === 'direct' && !token) problems.push(`${prefix}_TOKEN is required when TRANSPORT=direct`);
  if (transport === 'invoke' && token) problems.push(`${prefix}_TOKEN is only used with TRANSPORT=direct; in invoke mode Desk holds the token`);

  const connection = str(`${prefix}_CONNECTION`, connector.env.connection)!;
  if (!/^[A-Za-z0-9_]{1,64}$/.test(connection)) problems.push(`${prefix}_CONNECTION must be a connectionLinkName (letters, digits, _)`);

  const logLevel = str('LOG_LEVEL', 'info')!;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const claimStore = str('CLAIM_STORE', 'memory')!;
  if (claimStore !== 'memory' && claimStore !== 'none' && !/^rediss?:\/\/[^/?#\s]+(?:\/\d{1,2})?$/.test(claimStore)) {
    problems.push('CLAIM_STORE must be memory, none or a redis:// (rediss://) URL: redis://[:password@]host[:port][/db]');
  } else if (safeDecode(storePasswordOf(claimStore)) === undefined) {
    // Named, never echoed: the password is a secret.
    problems.push("CLAIM_STORE's password has a malformed %-escape: percent-encode it (encodeURIComponent)");
  }
  const callbackHash = str('CALLBACK_HASH', 'log');
  if (callbackHash !== 'log' && callbackHash !== 'enforce') problems.push('CALLBACK_HASH must be log or enforce');
  const invokeQuery = str('INVOKE_QUERY', 'url');
  if (invokeQuery !== 'url' && invokeQuery !== 'params') problems.push('INVOKE_QUERY must be url or params');

  const publicUrl = str('PUBLIC_URL') === undefined ? undefined : url('PUBLIC_URL', 'https://invalid.example');
  const deskConnection = str('DESK_CONNECTION', 'zohodesk')!;
  if (!/^[A-Za-z0-9_]{1,64}$/.test(deskConnection)) problems.push('DESK_CONNECTION must be a connectionLinkName (letters, digits, _)');

  const host = str('HOST', '0.0.0.0')!;
  const config: ServerConfig = {
    port: int('PORT', 8080, 0, 65535),
    host,
    extensionSecret: extensionSecret ?? '',
    deskApiUrl: url('DESK_API_URL', 'https://desk.zoho.com'),
    deskUrlKey,
    transport: transport === 'direct' ? 'direct' : 'invoke',
    connector: connector.name,
    upstream: { apiUrl: url(`${prefix}_API_URL`, connector.env.apiUrl), webUrl: url(`${prefix}_WEB_URL`, connector.env.webUrl), token, connection },
    logLevel: logLevel as ServerConfig['logLevel'],
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 25_000, 0, 120_000),
    shutdownDelayMs: int('SHUTDOWN_DELAY_MS', 0, 0, 60_000),
    claimStore,
    callbackHash: callbackHash === 'enforce' ? 'enforce' : 'log',
    invokeQuery: invokeQuery === 'params' ? 'params' : 'url',
    publicUrl,
    deskConnection,
    pull: pullLimits(int),
    connectionCaps: { total: int('MAX_CONNECTIONS', 2048, 16, 100_000), perClient: int('MAX_CONNECTIONS_PER_CLIENT', 256, 1, 100_000) },
  };
  if (config.shutdownDelayMs >= config.shutdownGraceMs && config.shutdownDelayMs > 0) problems.push('SHUTDOWN_DELAY_MS must be less than SHUTDOWN_GRACE_MS');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The password of a redis:// CLAIM_STORE as written (still %-encoded), or ''. */
function storePasswordOf(claimStore: string): string {
  return /^rediss?:\/\/(?:[^:@/]*:)?([^@/]*)@/.exec(claimStore)?.[1] ?? '';
}

/** decodeURIComponent, or undefined for a malformed %-escape (which would otherwise throw at start-up). */
export function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The values that must never appear in a log line, a response or channelState. */
export function secretsOf(config: ServerConfig): string[] {
  const raw = storePasswordOf(config.claimStore);
  const storePassword = raw === '' ? undefined : (safeDecode(raw) ?? raw);
  return [config.extensionSecret, config.deskUrlKey, config.upstream.token, storePassword].filter((s): s is string => !!s);
}
