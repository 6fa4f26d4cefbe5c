/**
 * `npm run webhooks:refresh [-- VERSION]`: rewrites test/webhooks/github-webhooks-subset.json,
 * the part of @octokit/webhooks-examples (payloads collected from GitHub) and
 * @octokit/webhooks-schemas (their JSON Schemas) the webhook tests check against: the
 * `issues` and `issue_comment` examples, and the schemas of those two events with every
 * definition they reach. The examples package is 9 MB unpacked and node_modules is held
 * under 200 MB, so the subset is committed; this script, run by hand, fetches both
 * packages with npm into a temporary directory (as scripts/openapi-refresh.ts does).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEBHOOKS_SUBSET_FILE = path.join(root, 'test/webhooks/github-webhooks-subset.json');
const DEFAULT_VERSION = '7.6.1';
const EVENTS = ['issues', 'issue_comment'] as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function fetchPackage(name: string, version: string, dir: string): string {
  const file = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', dir], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  const out = path.join(dir, name.replace(/[@/]/g, '_'));
  execFileSync('mkdir', ['-p', out]);
  execFileSync('tar', ['xzf', path.join(dir, file), '-C', out]);
  return path.join(out, 'package');
}

/** The definitions a schema reaches through "#/definitions/…" references, transitively. */
function reachable(definitions: Record<string, Json>, roots: string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (name in out) continue;
    const def = definitions[name];
    if (def === undefined) throw new Error(`definition ${name} is missing`);
    out[name] = def;
    JSON.stringify(def, (k, v: unknown) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) todo.push(v.slice('#/definitions/'.length));
      return v;
    });
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = process.argv[2] ?? DEFAULT_VERSION;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'webhooks-refresh-'));
  try {
    const examples = JSON.parse(
      readFileSync(path.join(fetchPackage('@octokit/webhooks-examples', version, dir), 'api.github.com/index.json'), 'utf8'),
    ) as Array<{ name: string; examples: Json[] }>;
    const schema = JSON.parse(readFileSync(path.join(fetchPackage('@octokit/webhooks-schemas', version, dir), 'schema.json'), 'utf8')) as {
      definitions: Record<string, Json>;
    };
    const subset = {
      source: `@octokit/webhooks-examples@${version} (api.github.com/index.json) and @octokit/webhooks-schemas@${version} (schema.json); regenerate with npm run webhooks:refresh`,
      examples: Object.fromEntries(EVENTS.map((e) => [e, examples.find((x) => x.name === e)?.examples ?? []])),
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: 'github-webhooks-subset',
        definitions: reachable(
          schema.definitions,
          EVENTS.map((e) => `${e}_event`),
        ),
      },
    };
    writeFileSync(WEBHOOKS_SUBSET_FILE, `${JSON.stringify(subset)}\n`);
    console.log(
      `wrote ${path.relative(root, WEBHOOKS_SUBSET_FILE)}: ${EVENTS.map((e) => `${subset.examples[e]!.length} ${e} examples`).join(', ')}, ${Object.keys(subset.schema.definitions).length} definitions`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
