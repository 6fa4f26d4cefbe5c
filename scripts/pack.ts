/**
 * `npm run pack [-- --base-url https://channel.example.org] [--key K] [--shared-by ZUID] [--github-api-url URL]`
 *
 * Builds the widget, stages plugin-manifest.json, resources.json and app/ with the
 * deployment's real URLs (and URL key, and extension secret from EXTENSION_SECRET)
 * written in, then runs the real `zet validate` and `zet pack` on the staged copy.
 * The committed files keep their placeholders. Fails loudly when zet leaves an empty
 * zip (it does, exit 0, when npm prints any warning; hence npm_config_loglevel=silent).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipEntries } from './zip-entries.js';
import { baseUrlProblem, secretProblem, urlKeyProblem } from '../server/deploy-values.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_NAME = 'github-issues-channel';
const PLACEHOLDER_BASE = 'https://channel.example.com';
const PLACEHOLDER_SECRET = 'set-at-pack-time-from-EXTENSION_SECRET';

export interface PackOptions {
  baseUrl?: string | undefined;
  urlKey?: string | undefined;
  secret?: string | undefined;
  /** The Zoho user id the connections are shared by (Desk's manifest example carries `sharedBy`). */
  sharedBy?: string | undefined;
  /** GitHub Enterprise Server's API root; its origin replaces api.github.com in whiteListedDomains. */
  githubApiUrl?: string | undefined;
  skipBuild?: boolean;
  log?: (line: string) => void;
}

export function pack(options: PackOptions): { zip: string; entries: string[] } {
  const log = options.log ?? ((l: string) => console.log(l));
  const base = checkDeploymentValues(options) ?? PLACEHOLDER_BASE;
  if (!options.baseUrl) log(`note: no --base-url (or CHANNEL_BASE_URL): the package keeps the placeholder ${PLACEHOLDER_BASE}`);
  if (!options.secret) log('note: EXTENSION_SECRET is not set: the package keeps a placeholder secret and cannot talk to a real server');

  const silentEnv = { ...process.env, npm_config_loglevel: 'silent' };
  if (!options.skipBuild) run('npx', ['rollup', '-c', 'rollup.config.mjs'], root, silentEnv);

  const stage = path.join(root, 'dist/pack', PACKAGE_NAME);
  rmSync(path.join(root, 'dist/pack'), { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(path.join(root, 'app'), path.join(stage, 'app'), { recursive: true });
  const withKey = (p: string): string => `${base}${p}${options.urlKey ? `?key=${options.urlKey}` : ''}`;

  const manifest = JSON.parse(readFileSync(path.join(root, 'plugin-manifest.json'), 'utf8'));
  for (const event of Object.keys(manifest.callbackListener ?? {})) {
    manifest.callbackListener[event] = withKey(`/desk/callbacks/${event}`);
  }
  manifest.secret = options.secret ?? PLACEHOLDER_SECRET;
  deploymentManifest(manifest, options);
  writeFileSync(path.join(stage, 'plugin-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const resources = JSON.parse(readFileSync(path.join(root, 'resources.json'), 'utf8'));
  resources.channel.sync.pull = withKey('/desk/pull');
  resources.channel.sync.push = withKey('/desk/push');
  resources.channel.redirectUrl = withKey('/desk/redirect');
  writeFileSync(path.join(stage, 'resources.json'), JSON.stringify(resources, null, 2) + '\n');

  const zet = path.join(root, 'node_modules/.bin/zet');
  const validate = run(zet, ['validate'], stage, silentEnv);
  if (/✖|error/i.test(validate)) throw new Error(`zet validate reported problems:\n${validate}`);
  run(zet, ['pack'], stage, silentEnv);

  const built = path.join(stage, 'dist', `${PACKAGE_NAME}.zip`);
  if (!existsSync(built) || statSync(built).size === 0) {
    throw new Error(`zet pack left no zip or an empty one at ${built}: look for npm warnings during its pre-pack step`);
  }
  const entries = zipEntries(built);
  if (entries.length === 0) throw new Error('zet pack wrote a zip with no files');
  const zip = path.join(root, 'dist', `${PACKAGE_NAME}.zip`);
  copyFileSync(built, zip);
  log(`packed ${path.relative(root, zip)}: ${entries.length} files, ${statSync(zip).size} bytes`);
  return { zip, entries };
}

/**
 * The checks the server makes at start, with its messages, so no zip carries a value
 * the server refuses. Desk calls the base URL over the internet: https only. Answers
 * the normalised base URL.
 */
function checkDeploymentValues(options: PackOptions): string | undefined {
  const base = options.baseUrl === undefined ? {} : baseUrlProblem('--base-url', options.baseUrl, { loopbackHttp: false });
  const problems = [
    base.problem,
    urlKeyProblem("--key (the server's DESK_URL_KEY)", options.urlKey),
    options.secret ? secretProblem('EXTENSION_SECRET', options.secret) : undefined,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return base.url;
}

/**
 * What only the deployment knows: the GitHub API origin widgets may call through
 * ZOHODESK.request (whiteListedDomains), and the Zoho user the connections are shared by.
 */
function deploymentManifest(
  manifest: { whiteListedDomains: string[]; zohoAuthorisation?: Record<string, unknown>; connectors: Array<Record<string, unknown>> },
  options: PackOptions,
): void {
  if (options.githubApiUrl) {
    const u = new URL(options.githubApiUrl);
    if (u.protocol !== 'https:') throw new Error('--github-api-url must be https://');
    manifest.whiteListedDomains = [u.origin];
  }
  if (options.sharedBy !== undefined) {
    if (!/^[0-9]{1,20}$/.test(options.sharedBy)) throw new Error('--shared-by must be a Zoho user id (digits)');
    for (const c of manifest.connectors) c.sharedBy = options.sharedBy;
    if (manifest.zohoAuthorisation) manifest.zohoAuthorisation.sharedBy = options.sharedBy;
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.status}):\n${out}`);
  return out;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    pack({
      baseUrl: argValue('--base-url') ?? process.env.CHANNEL_BASE_URL,
      urlKey: argValue('--key') ?? process.env.DESK_URL_KEY,
      secret: process.env.EXTENSION_SECRET,
      sharedBy: argValue('--shared-by') ?? process.env.ZOHO_SHARED_BY,
      githubApiUrl: argValue('--github-api-url') ?? process.env.GITHUB_API_URL,
    });
  } catch (err) {
    console.error(`pack failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
