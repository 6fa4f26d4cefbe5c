import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the property runs tried and found, for the README's Reliability section. */
export const figures = {
  histories: 0,
  faultSchedules: 0,
  pulls: 0,
  githubRequests: 0,
  faultsInjected: 0,
  itemsSynced: 0,
  itemsLost: 0,
  /** Items pulls sent (creations and updates) in the progress soak, and of those the ones Desk already held unchanged. */
  itemsSent: 0,
  itemsResentUnchanged: 0,
  duplicateCreations: 0,
  replies: 0,
  replyPushes: 0,
  duplicateComments: 0,
  hostileInputs: 0,
  serverErrors: 0,
  crashes: 0,
};

export const SOAK = process.env.SOAK === '1';

/** Runs per property: a fast slice in npm test, the long one in npm run test:soak. */
export function runs(fast: number, soak: number): number {
  return SOAK ? soak : fast;
}

export function writeFigures(): void {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), SOAK ? 'soak-figures.json' : 'fast-figures.json');
  writeFileSync(file, JSON.stringify({ ...figures, date: new Date().toISOString(), node: process.version }, null, 2) + '\n');
}
