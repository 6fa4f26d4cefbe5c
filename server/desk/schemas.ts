import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type {
  ChannelState,
  DeskQuery,
  ErrorBody,
  LifecycleCallback,
  PullRequestBody,
  PushRequestBody,
  PushResponse,
  SyncObject,
  SyncThread,
} from './wire-types.js';

/**
 * Where the JSON Schemas live: the one source of truth for Desk's formats. Found by
 * walking up from this module, so the same code runs from server/ (tsx) and from
 * dist/server/ (npm run serve).
 */
export const SCHEMA_DIR = findSchemaDir(path.dirname(fileURLToPath(import.meta.url)));

function findSchemaDir(from: string): string {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'resources', 'schemas');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`resources/schemas not found above ${from}`);
}

/** ajv-formats' formats added to `ajv`: it is CommonJS, so its default export arrives wrapped under tsx and node alike. */
export const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

function loadAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  // Desk's formats at the top, each connector's own records in its folder (ids are unique across them).
  for (const file of readdirSync(SCHEMA_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
  }
  return ajv;
}

const ajv = loadAjv();

/** The validator of one schema file (a connector compiles its cursor's this way). */
export function compiled<T>(id: string): ValidateFunction<T> {
  const v = ajv.getSchema<T>(id);
  if (!v) throw new Error(`schema ${id} is missing from ${SCHEMA_DIR}`);
  return v;
}

/** Every validator, compiled once at start-up. */
export const validators = {
  deskQuery: compiled<DeskQuery>('desk-query.json'),
  pullRequest: compiled<PullRequestBody>('pull-request.json'),
  pushRequest: compiled<PushRequestBody>('push-request.json'),
  pushResponse: compiled<PushResponse>('push-response.json'),
  /** A whole SYNC thread: what our push answers are held to (Desk takes less, push-response.json). */
  replyThread: compiled<SyncThread>('sync.json#/definitions/thread'),
  sync: compiled<SyncObject>('sync.json'),
  callback: compiled<LifecycleCallback>('callback.json'),
  channelState: compiled<ChannelState>('channel-state.json'),
  error: compiled<ErrorBody>('error.json'),
};

/** "body must have required property 'resource'": the part first, like fastify's messages. */
export function describeErrors(part: string, errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return `${part} is invalid`;
  const where = first.instancePath ? `${part}${first.instancePath.replace(/\//g, '.')}` : part;
  return `${where} ${first.message ?? 'is invalid'}`;
}
