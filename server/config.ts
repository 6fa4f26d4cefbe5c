/**
 * The server's configuration, read once from the environment (README, "Configuration").
 * `readConfig` collects every problem and reports them together, so an operator fixes
 * a deployment in one go.
 */
export interface ServerConfig {
  port: number;
  host: string;
  extensionSecret: string;
  deskApiUrl: string;
  deskUrlKey: string | undefined;
  transport: 'invoke' | 'direct';
  githubApiUrl: string;
  githubWebUrl: string;
  githubToken: string | undefined;
  githubConnection: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  /** log: a callback whose HASH does not verify is answered 200 and not acted on; enforce: 401. */
  callbackHash: 'log' | 'enforce';
  /** Where the GitHub query travels in an Invoke call: inside requestURL (as Zoho's samples do) or in queryParams. */
  invokeQuery: 'url' | 'params';
  pull: PullLimits;
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
export const PRODUCTION_VARIABLES = ['EXTENSION_SECRET', 'DESK_URL_KEY', 'GITHUB_TOKEN', 'TRANSPORT', 'DESK_API_URL', 'GITHUB_API_URL'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
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
    const raw = str(name, fallback)!;
    try {
      const u = new URL(raw);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
        problems.push(`${name} must be an https:// URL (http:// only on loopback)`);
      }
      if (u.username || u.password || u.search || u.hash) problems.push(`${name} must not carry credentials, a query or a fragment`);
      return u.origin + u.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} is not a URL`);
      return fallback;
    }
  };

  const extensionSecret = str('EXTENSION_SECRET');
  if (!extensionSecret) problems.push('EXTENSION_SECRET is required: the `secret` of plugin-manifest.json, used for Desk\'s HASH');
  else if (extensionSecret.length < 16) problems.push('EXTENSION_SECRET must be at least 16 characters');

  const deskUrlKey = str('DESK_URL_KEY');
  if (deskUrlKey !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(deskUrlKey)) {
    problems.push('DESK_URL_KEY must be 16 to 128 characters of A-Z a-z 0-9 _ -');
  }

  const transport = str('TRANSPORT', 'invoke');
  if (transport !== 'invoke' && transport !== 'direct') problems.push('TRANSPORT must be invoke or direct');

  const githubToken = str('GITHUB_TOKEN');
  if (transport === 'direct' && !githubToken) problems.push('GITHUB_TOKEN is required when TRANSPORT=direct');
  if (transport === 'invoke' && githubToken) problems.push('GITHUB_TOKEN is only used with TRANSPORT=direct; in invoke mode Desk holds the token');

  const githubConnection = str('GITHUB_CONNECTION', 'github')!;
  if (!/^[A-Za-z0-9_]{1,64}$/.test(githubConnection)) problems.push('GITHUB_CONNECTION must be a connectionLinkName (letters, digits, _)');

  const logLevel = str('LOG_LEVEL', 'info')!;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const callbackHash = str('CALLBACK_HASH', 'log');
  if (callbackHash !== 'log' && callbackHash !== 'enforce') problems.push('CALLBACK_HASH must be log or enforce');
  const invokeQuery = str('INVOKE_QUERY', 'url');
  if (invokeQuery !== 'url' && invokeQuery !== 'params') problems.push('INVOKE_QUERY must be url or params');

  const host = str('HOST', '0.0.0.0')!;
  const config: ServerConfig = {
    port: int('PORT', 8080, 0, 65535),
    host,
    extensionSecret: extensionSecret ?? '',
    deskApiUrl: url('DESK_API_URL', 'https://desk.zoho.com'),
    deskUrlKey,
    transport: transport === 'direct' ? 'direct' : 'invoke',
    githubApiUrl: url('GITHUB_API_URL', 'https://api.github.com'),
    githubWebUrl: url('GITHUB_WEB_URL', 'https://github.com'),
    githubToken,
    githubConnection,
    logLevel: logLevel as ServerConfig['logLevel'],
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024),
    callbackHash: callbackHash === 'enforce' ? 'enforce' : 'log',
    invokeQuery: invokeQuery === 'params' ? 'params' : 'url',
    pull: {
      maxTickets: int('PULL_MAX_TICKETS', 1000, 1, 1000),
      maxThreads: int('PULL_MAX_THREADS', 1000, 2, 1000),
      timeBudgetMs: int('PULL_TIME_BUDGET_MS', 20_000, 100, 120_000),
      maxBytes: int('PULL_MAX_BYTES', 5 * 1024 * 1024, 64 * 1024, 50 * 1024 * 1024),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The values that must never appear in a log line, a response or channelState. */
export function secretsOf(config: ServerConfig): string[] {
  return [config.extensionSecret, config.deskUrlKey, config.githubToken].filter((s): s is string => !!s);
}
