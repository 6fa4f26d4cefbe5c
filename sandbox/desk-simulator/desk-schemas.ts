import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { addFormats } from '../../server/desk/schemas.js';

/**
 * The simulator's own reading of Desk's wire formats: resources/schemas compiled into a
 * separate Ajv instance, so that a loosened validator in the server (server/desk) cannot
 * make the simulator accept what Desk would refuse. The files use relative `$id`s
 * ("sync.json"), so all of them go into one instance to resolve each other's `$ref`s.
 */
const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/schemas');

function load(): Ajv {
  // allErrors: false — Desk reports a refusal, not a lint report; the first error is enough.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  for (const file of readdirSync(SCHEMA_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as object);
  }
  return ajv;
}

const ajv = load();

function get(id: string): ValidateFunction {
  const v = ajv.getSchema(id);
  if (!v) throw new Error(`Desk simulator: schema ${id} is missing from ${SCHEMA_DIR}`);
  return v;
}

export const deskSchemas = {
  /** A pull answer (§2, §3.1). */
  sync: get('sync.json'),
  /** A push answer, one thread (§4). */
  pushResponse: get('push-response.json'),
  /** What the simulator itself sends: checked so a test's bad input fails loudly, not downstream. */
  pushRequest: get('push-request.json'),
  /** The GitHub package's config params, as the sandbox's installation holds them. */
  configParams: get('github-config-params.json'),
  callback: get('callback.json'),
  /** The form fields of an Invoke call (§6.1). */
  invokeRequest: get('invoke-request.json'),
};

/** "data/tickets/0/createdTime must match pattern …": where, then what. */
export function firstError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid';
  return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`;
}
