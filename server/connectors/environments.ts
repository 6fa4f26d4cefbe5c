/**
 * Each built-in connector's name and environment, apart from its code: the server's
 * configuration reads them (config.ts) without importing any connector, and each
 * connector's module (registry.ts) carries its own entry.
 */
export interface ConnectorEnvironment {
  /** CONNECTOR=<name> picks it. */
  readonly name: string;
  /**
   * Its variables: <prefix>_API_URL, <prefix>_WEB_URL, <prefix>_TOKEN (TRANSPORT=direct
   * only) and <prefix>_CONNECTION (Invoke's connectionLinkName), with these defaults.
   */
  readonly env: { prefix: string; apiUrl: string; webUrl: string; connection: string };
}

export const GITHUB_ENVIRONMENT: ConnectorEnvironment = {
  name: 'github',
  env: { prefix: 'GITHUB', apiUrl: 'https://api.github.com', webUrl: 'https://github.com', connection: 'github' },
};

/** The one of `list` CONNECTOR names (unset: the first, the default), or undefined for a name none has. */
export function named<T extends { readonly name: string }>(list: readonly T[], name: string | undefined): T | undefined {
  return name === undefined ? list[0] : list.find((c) => c.name === name);
}

/** The connectors this server is built with, the first the default (their modules: registry.ts, in the same order). */
export const CONNECTOR_ENVIRONMENTS: readonly ConnectorEnvironment[] = [GITHUB_ENVIRONMENT];
