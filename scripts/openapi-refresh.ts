/**
 * `npm run openapi:refresh [-- VERSION]`: rewrites test/sandbox/github-openapi-subset.json,
 * the part of GitHub's published OpenAPI description (npm package @octokit/openapi) that
 * the fake GitHub's fidelity test checks against: the operations the channel calls and
 * every component they reach. The package is 385 MB; the subset is committed instead so
 * `npm ci` stays small, and this script, run by hand, fetches the package with npm into
 * a temporary directory to refresh it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SUBSET_FILE = path.join(root, 'test/sandbox/github-openapi-subset.json');
const DEFAULT_VERSION = '23.0.2';

/** The operations the channel calls, as the description names them. */
export const OPERATIONS: ReadonlyArray<readonly [route: string, method: string]> = [
  ['/repos/{owner}/{repo}', 'get'],
  ['/repos/{owner}/{repo}/issues', 'get'],
  ['/repos/{owner}/{repo}/issues/comments', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'post'],
  ['/repos/{owner}/{repo}/issues/comments/{comment_id}', 'get'],
  ['/repos/{owner}/{repo}/issues/comments/{comment_id}', 'delete'],
  ['/repos/{owner}/{repo}/issues/events', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/events', 'get'],
  ['/repos/{owner}/{repo}/labels', 'get'],
  ['/repos/{owner}/{repo}/assignees', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}', 'patch'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/labels', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', 'delete'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/assignees', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/assignees', 'delete'],
  ['/rate_limit', 'get'],
  // Repository webhooks (server/connectors/github/hooks.ts).
  ['/repos/{owner}/{repo}/hooks', 'get'],
  ['/repos/{owner}/{repo}/hooks', 'post'],
  ['/repos/{owner}/{repo}/hooks/{hook_id}', 'get'],
  ['/repos/{owner}/{repo}/hooks/{hook_id}', 'patch'],
  ['/repos/{owner}/{repo}/hooks/{hook_id}', 'delete'],
];
/** Components the tests name directly, besides those the operations reach. */
const EXTRA_COMPONENTS = ['#/components/schemas/basic-error'];

interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

/** The operations plus the transitive closure of their `$ref`s, in the description's own shape. */
export function extractSubset(spec: Spec): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [route, method] of OPERATIONS) {
    const op = spec.paths[route]?.[method];
    if (!op) throw new Error(`the description has no ${method.toUpperCase()} ${route}`);
    (paths[route] ??= {})[method] = op;
  }
  const components: Record<string, Record<string, unknown>> = {};
  const pending = [...EXTRA_COMPONENTS, ...refsIn(paths)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const ref = pending.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [, , kind, name] = ref.split('/') as [string, string, string, string];
    const value = spec.components[kind]?.[name];
    if (value === undefined) throw new Error(`dangling reference ${ref}`);
    (components[kind] ??= {})[name] = value;
    pending.push(...refsIn(value));
  }
  for (const kind of Object.keys(components)) components[kind] = Object.fromEntries(Object.entries(components[kind]!).sort(([a], [b]) => a.localeCompare(b)));
  return { source: `@octokit/openapi@${spec.info.version} generated/api.github.com.json`, openapi: '3.0.3', paths, components };
}

function refsIn(node: unknown): string[] {
  return [...JSON.stringify(node).matchAll(/"\$ref":"(#\/components\/[^"]+)"/g)].map((m) => m[1]!);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const version = process.argv[2] ?? DEFAULT_VERSION;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  try {
    const tarball = execFileSync('npm', ['pack', `@octokit/openapi@${version}`, '--silent'], { cwd: tmp, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['-xzf', tarball, 'package/generated/api.github.com.json'], { cwd: tmp });
    const spec = JSON.parse(readFileSync(path.join(tmp, 'package/generated/api.github.com.json'), 'utf8')) as Spec;
    writeFileSync(SUBSET_FILE, JSON.stringify(extractSubset(spec), null, 1) + '\n');
    console.log(`wrote ${path.relative(root, SUBSET_FILE)} from @octokit/openapi@${spec.info.version}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
