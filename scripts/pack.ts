/**
 * `npm run pack -- --base-url https://channel.example.org [--shared-by ZUID] [--github-api-url URL] [--out FILE]`
 * with EXTENSION_SECRET and DESK_URL_KEY in the environment (never on the command line:
 * npm echoes it). `npm run pack -- --sandbox` packs a local package with placeholders.
 *
 * Builds the widget, stages plugin-manifest.json, resources.json and app/ with the
 * deployment's real URLs (with the URL key) and the extension secret written in, then
 * runs the real `zet validate` and `zet pack` on the staged copy, in a temporary folder.
 * The committed files keep their placeholders. A pack that cannot work is refused
 * before anything is built (exit 2, one line), and a failed pack leaves no zip at the
 * output path. zet leaves an empty zip (exit 0) when npm prints any warning; hence
 * npm_config_loglevel=silent, and the check of the zip afterwards.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
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
  /** A local package: placeholders where the deployment's values are missing, and its own file name. */
  sandbox?: boolean;
  /** The server runs without DESK_URL_KEY: pack URLs without `?key=` (said explicitly, never by omission). */
  noUrlKey?: boolean;
  /** Where the zip goes; default dist/github-issues-channel.zip (dist/github-issues-channel-sandbox.zip with sandbox). */
  out?: string | undefined;
  skipBuild?: boolean;
  log?: (line: string) => void;
}

/** A pack that cannot work, refused before anything is built: the CLI exits 2 with its message. */
export class PackRefused extends Error {
  override name = 'PackRefused';
}

export function defaultOutput(sandbox: boolean): string {
  return path.join(root, 'dist', sandbox ? `${PACKAGE_NAME}-sandbox.zip` : `${PACKAGE_NAME}.zip`);
}

export function pack(options: PackOptions): { zip: string; entries: string[] } {
  const log = options.log ?? ((l: string) => console.log(l));
  const zip = path.resolve(options.out ?? defaultOutput(options.sandbox === true));
  // Whatever happens next, the output path never holds an older zip that looks like this one.
  rmSync(zip, { force: true });
  const base = checkDeploymentValues(options);
  if (options.sandbox) log('sandbox package: placeholders stand where the deployment values are missing; it cannot serve a real Desk');

  const silentEnv = { ...process.env, npm_config_loglevel: 'silent' };
  if (!options.skipBuild) run('npx', ['rollup', '-c', 'rollup.config.mjs'], root, silentEnv);

  const work = mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  try {
    const stage = path.join(work, PACKAGE_NAME);
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
    writeFileSync(path.join(stage, 'app/deployment.js'), widgetDeployment(manifest, options));

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
      throw new Error('zet pack left no zip or an empty one: look for npm warnings during its pre-pack step');
    }
    const entries = zipEntries(built);
    if (entries.length === 0) throw new Error('zet pack wrote a zip with no files');
    // Copied beside the output and renamed over it: a reader never sees half a zip.
    mkdirSync(path.dirname(zip), { recursive: true });
    const partial = `${zip}.partial`;
    copyFileSync(built, partial);
    renameSync(partial, zip);
    log(`packed ${path.relative(process.cwd(), zip) || zip}: ${entries.length} files, ${statSync(zip).size} bytes`);
    return { zip, entries };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The checks the server makes at start, with its messages, so no zip carries a value
 * the server refuses, and no production zip carries a placeholder. Desk calls the base
 * URL over the internet: https only. Answers the normalised base URL.
 */
function checkDeploymentValues(options: PackOptions): string {
  const sandbox = options.sandbox === true;
  const problems: string[] = [];
  let base = PLACEHOLDER_BASE;
  if (options.baseUrl !== undefined) {
    const checked = baseUrlProblem('--base-url', options.baseUrl, { loopbackHttp: false });
    if (checked.problem) problems.push(checked.problem);
    else base = checked.url!;
  } else if (!sandbox) {
    problems.push('--base-url (or CHANNEL_BASE_URL) is required: the https:// origin where Desk reaches the server');
  }
  if (options.secret !== undefined || !sandbox) {
    const p = options.secret === '' ? 'EXTENSION_SECRET is set but empty' : secretProblem('EXTENSION_SECRET', options.secret);
    if (p) problems.push(p);
  }
  if (options.urlKey === '') problems.push('DESK_URL_KEY is set but empty');
  else if (options.urlKey !== undefined) {
    const p = urlKeyProblem('DESK_URL_KEY', options.urlKey);
    if (p) problems.push(p);
  } else if (!sandbox && !options.noUrlKey) {
    problems.push("DESK_URL_KEY is required (the same value as the server's), or --no-url-key when the server runs without one");
  }
  if (options.urlKey !== undefined && options.noUrlKey) problems.push('--no-url-key contradicts DESK_URL_KEY in the environment');
  if (problems.length > 0) throw new PackRefused(problems.join('; '));
  return base;
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
    let u: URL;
    try {
      u = new URL(options.githubApiUrl);
    } catch {
      throw new PackRefused('--github-api-url is not a URL');
    }
    if (u.protocol !== 'https:') throw new PackRefused('--github-api-url must be https://');
    if (u.username || u.password || u.search || u.hash) throw new PackRefused('--github-api-url takes no credentials, query or fragment');
    // GitHub's origin is replaced; Desk's own (the card's ticket links) stays.
    manifest.whiteListedDomains = [u.origin, ...manifest.whiteListedDomains.filter((d) => d !== 'https://api.github.com')];
  }
  if (options.sharedBy !== undefined) {
    if (!/^[0-9]{1,20}$/.test(options.sharedBy)) throw new PackRefused('--shared-by must be a Zoho user id (digits)');
    for (const c of manifest.connectors) c.sharedBy = options.sharedBy;
    if (manifest.zohoAuthorisation) manifest.zohoAuthorisation.sharedBy = options.sharedBy;
  }
}

/**
 * app/deployment.js as the package's widgets read it: the API root they call (the one the
 * manifest whitelists, github.com's unless --github-api-url) and the connection Desk adds
 * the token through (the manifest's GitHub connector).
 */
function widgetDeployment(manifest: { connectors: Array<Record<string, unknown>>; zohoAuthorisation?: Record<string, unknown> }, options: PackOptions): string {
  const connector = manifest.connectors.find((c) => c.serviceName === 'github') ?? manifest.connectors[0];
  const zoho = manifest.zohoAuthorisation?.connectionLinkName;
  const deployment = {
    githubApiUrl: options.githubApiUrl ? options.githubApiUrl.replace(/\/+$/, '') : 'https://api.github.com',
    githubConnection: typeof connector?.connectionLinkName === 'string' ? connector.connectionLinkName : 'github',
    deskApiUrl: 'https://desk.zoho.com',
    deskConnection: typeof zoho === 'string' ? zoho : 'zohodesk',
  };
  return `// Written by npm run pack: where this package's widgets call GitHub.\nwindow.githubChannelDeployment = ${JSON.stringify(deployment)};\n`;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.status}):\n${out}`);
  return out;
}

const VALUE_OPTIONS = ['--base-url', '--shared-by', '--github-api-url', '--out'] as const;
const FLAG_OPTIONS = ['--sandbox', '--no-url-key', '--help'] as const;
const USAGE =
  'usage: EXTENSION_SECRET=… DESK_URL_KEY=… npm run pack -- --base-url https://HOST [--shared-by ZUID] [--github-api-url https://HOST/api/v3] [--out FILE] | npm run pack -- --sandbox';

/**
 * The command line: `--opt value` and `--opt=value` alike; anything else is refused,
 * and a secret on the command line is refused by name (npm prints the command it runs).
 * Parsing goes on past a problem so that the output path is known and can be cleared.
 */
export function parsePackArgs(argv: string[], env: NodeJS.ProcessEnv): { options: PackOptions & { help?: boolean }; problem?: string } {
  const values: Partial<Record<(typeof VALUE_OPTIONS)[number], string>> = {};
  const flags = new Set<string>();
  let problem: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--key' || name === '--secret') {
      problem ??= `${name} is not taken on the command line (npm echoes it): set ${name === '--key' ? 'DESK_URL_KEY' : 'EXTENSION_SECRET'} in the environment`;
      if (eq < 0) i++;
    } else if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1]?.startsWith('--') ? undefined : argv[++i];
      if (value === undefined) problem ??= `${name} needs a value`;
      else values[name as (typeof VALUE_OPTIONS)[number]] = value;
    } else if ((FLAG_OPTIONS as readonly string[]).includes(name) && eq < 0) {
      flags.add(name);
    } else {
      problem ??= `unknown option ${JSON.stringify(name.slice(0, 40))}; ${USAGE}`;
    }
  }
  const fromEnv = (name: string): string | undefined => env[name];
  const options = {
    baseUrl: values['--base-url'] ?? (fromEnv('CHANNEL_BASE_URL') || undefined),
    urlKey: fromEnv('DESK_URL_KEY'),
    secret: fromEnv('EXTENSION_SECRET'),
    sharedBy: values['--shared-by'] ?? (fromEnv('ZOHO_SHARED_BY') || undefined),
    githubApiUrl: values['--github-api-url'] ?? (fromEnv('GITHUB_API_URL') || undefined),
    out: values['--out'],
    sandbox: flags.has('--sandbox'),
    noUrlKey: flags.has('--no-url-key'),
    help: flags.has('--help'),
  };
  return problem === undefined ? { options } : { options, problem };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  let exitCode = 0;
  const { options, problem } = parsePackArgs(process.argv.slice(2), process.env);
  try {
    if (problem !== undefined) {
      rmSync(path.resolve(options.out ?? defaultOutput(options.sandbox === true)), { force: true });
      throw new PackRefused(problem);
    }
    if (options.help) console.log(USAGE);
    else pack(options);
  } catch (err) {
    const refused = err instanceof PackRefused;
    console.error(`pack ${refused ? 'refused' : 'failed'}: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = refused ? 2 : 1;
  }
  process.exit(exitCode);
}
