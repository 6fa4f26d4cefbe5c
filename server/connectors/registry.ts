import type { ConnectorModule } from './module.js';
import { named } from './environments.js';
import { gitHubModule } from './github/index.js';

export type { ConnectorDeps, ConnectorModule, ConnectorParts } from './module.js';

/** The connectors this server is built with; the first is the default (environments.ts lists their variables in the same order). */
export const CONNECTORS: readonly ConnectorModule[] = [gitHubModule];

export function connectorNamed(name: string | undefined): ConnectorModule | undefined {
  return named(CONNECTORS, name);
}
