import type { IncomingHttpHeaders } from 'node:http';
import type { SyncObject } from '../../server/desk/wire-types.js';
import type { DeskStore } from './desk-store.js';
import { deskSchemas, firstError } from './desk-schemas.js';
import { mediaType } from './json-answer.js';

export interface ImportLogEntry {
  at: number;
  status: number;
  tickets: number;
  threads: number;
  detail?: string;
}

export interface ImportSettings {
  orgId: string;
  installationId: string;
  /** The token of the Desk connection (zohoAuthorisation) that Invoke applies. */
  deskToken: string | undefined;
  caps: { tickets: number; threads: number };
  store: DeskStore;
  log: ImportLogEntry[];
  /** The pull number the store records the items under. */
  pull: () => number;
}

/**
 * Desk's "Push-Data to Desk" (§5): `POST /api/v1/channels/{installationId}/import`, as
 * the Invoke proxy calls it with the Desk connection. Strict as a pull answer: a SYNC
 * object (§3.1) within the caps, every thread's ticket stored or in the same call; a
 * refused call changes nothing. Each call costs one API credit (log length).
 */
export function handleImport(s: ImportSettings, installationId: string, headers: IncomingHttpHeaders, raw: string): { status: number; body: unknown } {
  const entry: ImportLogEntry = { at: Date.now(), status: 0, tickets: 0, threads: 0 };
  s.log.push(entry);
  const refuse = (status: number, errorCode: string, message: string) => {
    entry.status = status;
    entry.detail = message;
    return { status, body: { errorCode, message } };
  };
  if (!s.deskToken || headers.authorization !== `Bearer ${s.deskToken}`)
    return refuse(401, 'INVALID_OAUTH', 'the import needs the Desk connection (zohoAuthorisation)');
  if (headers.orgid !== s.orgId) return refuse(400, 'INVALID_DATA', 'the orgId header is missing or names another org');
  if (installationId !== s.installationId) return refuse(404, 'URL_NOT_FOUND', 'no such installation');
  if (mediaType(headers['content-type']) !== 'application/json') return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'the import takes application/json');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return refuse(422, 'INVALID_DATA', 'the body is not JSON');
  }
  if (!deskSchemas.sync(value)) return refuse(422, 'INVALID_DATA', `not a SYNC object: ${firstError(deskSchemas.sync.errors)}`);
  const sync = value as SyncObject;
  entry.tickets = sync.data.tickets?.length ?? 0;
  entry.threads = sync.data.threads?.length ?? 0;
  if (entry.tickets > s.caps.tickets || entry.threads > s.caps.threads)
    return refuse(422, 'LIMIT_EXCEEDED', `at most ${s.caps.tickets} tickets and ${s.caps.threads} threads per import`);
  const orphan = s.store.orphanIn(sync);
  if (orphan) return refuse(422, 'INVALID_DATA', `thread ${orphan.extId} names ticket ${orphan.extParentId}, which is neither stored nor in this import`);
  const applied = s.store.apply({ data: sync.data }, s.pull());
  entry.status = 200;
  return { status: 200, body: { data: { created: applied.created, updated: applied.updated } } };
}
