import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The corpus of request shapes Desk's docs and Zoho's samples show
 * (resources/desk-shapes/, one file per shape, each naming its source). The
 * conformance suite sends every one to the real server; the Desk simulator draws its
 * pulls and pushes from those marked `simulator`, so every suite meets them.
 *
 * A shape's `body` and `query` are templates: a string that is exactly `{{name}}` takes
 * the variable's JSON value, `{{name}}` inside a string its text (percent-encoded in a
 * query), `"...": "{{name}}"` in an object spreads an object and `"{{...name}}"` in an
 * array spreads an array.
 */
export interface RequestShape {
  id: string;
  route: 'pull' | 'push' | 'redirect' | 'callback';
  fact: string;
  source: string;
  behaviour: string;
  /** The Desk simulator may send this shape: it needs only what Desk itself knows. */
  simulator: boolean;
  /** The shape Desk's docs show (the simulator's `shapes: 'documented'`). */
  documented?: boolean;
  query?: string;
  /** Join the query with this instead of `?`/`&` (a second `?`). */
  joiner?: string;
  /** Put the query's values in unencoded. */
  raw?: boolean;
  body?: unknown;
  event?: string;
  /** callback HASH: of the raw body, of something else, or none. */
  hash?: 'body' | 'other' | 'none';
  expect: { status: number; code?: string; location?: string; acted?: boolean; comments?: number; tickets?: number };
}

export type ShapeVars = Record<string, unknown>;

export const SHAPE_DIR = findShapeDir(path.dirname(fileURLToPath(import.meta.url)));

function findShapeDir(from: string): string {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'resources', 'desk-shapes');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`resources/desk-shapes not found above ${from}`);
}

let corpus: RequestShape[] | undefined;

/** Every shape of the corpus, sorted by id. */
export function requestShapes(): RequestShape[] {
  corpus ??= readdirSync(SHAPE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(SHAPE_DIR, f), 'utf8')) as RequestShape);
  return corpus;
}

const WHOLE = /^\{\{([A-Za-z0-9_.]+)\}\}$/;
const SPREAD = /^\{\{\.\.\.([A-Za-z0-9_.]+)\}\}$/;
const INNER = /\{\{([A-Za-z0-9_.]+)\}\}/g;

/** Fills a body template with the variables. */
export function fillBody(template: unknown, vars: ShapeVars): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(vars, whole[1]!);
    return template.replace(INNER, (_, name: string) => String(lookup(vars, name)));
  }
  if (Array.isArray(template)) {
    return template.flatMap((item) => {
      const spread = typeof item === 'string' ? SPREAD.exec(item) : null;
      if (!spread) return [fillBody(item, vars)];
      const list = lookup(vars, spread[1]!);
      if (!Array.isArray(list)) throw new TypeError(`shape variable ${spread[1]} is not a list`);
      return list;
    });
  }
  if (typeof template === 'object' && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      if (k === '...') Object.assign(out, lookup(vars, String(v).replace(/^\{\{|\}\}$/g, '')));
      else out[k] = fillBody(v, vars);
    }
    return out;
  }
  return template;
}

/** The shape's query appended to `url` as Desk appends its own (after `?`, or `&` when the URL has a query). */
export function withShapeQuery(url: string, shape: RequestShape, vars: ShapeVars): string {
  const encode = shape.raw ? (s: string) => s : encodeURIComponent;
  const query = (shape.query ?? '').replace(INNER, (_, name: string) => encode(String(lookup(vars, name))));
  if (query === '') return url;
  const joiner = shape.joiner ?? (url.includes('?') ? (url.endsWith('?') || url.endsWith('&') ? '' : '&') : '?');
  return `${url}${joiner}${query}`;
}

/** True when every variable the shape names is among `vars`. */
export function fillable(shape: RequestShape, vars: ShapeVars): boolean {
  const text = JSON.stringify([shape.body ?? null, shape.query ?? '']);
  return [...text.matchAll(/\{\{(?:\.\.\.)?([A-Za-z0-9_.]+)\}\}/g)].every((m) => vars[m[1]!] !== undefined);
}

function lookup(vars: ShapeVars, name: string): unknown {
  if (!(name in vars) || vars[name] === undefined) throw new TypeError(`shape variable ${name} is not set`);
  return vars[name];
}

/** The params as `{name, value}` pairs (Zoho's YouTube sample's reading). */
export function asPairs(params: Record<string, unknown>): Array<{ name: string; value: unknown }> {
  return Object.entries(params).map(([name, value]) => ({ name, value }));
}

/** A small seeded generator (mulberry32), so a run's choice of shapes can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
