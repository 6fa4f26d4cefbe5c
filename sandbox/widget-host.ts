import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeHttpServer } from './close-server.js';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../app');
const SDK_URL = 'https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js';
const GITHUB_API = 'https://api.github.com';
const DESK_API = 'https://desk.zoho.com';
/** This checkout's manifest, read once: its config params, whitelist and connectors. */
const MANIFEST = JSON.parse(readFileSync(path.resolve(APP_DIR, '../plugin-manifest.json'), 'utf8')) as NonNullable<WidgetHostOptions['manifest']> & {
  config: Array<{ name: string; userdefined?: boolean }>;
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const MAX_BODY = 256 * 1024;

export interface WidgetHostOptions {
  /** The installation's config params, as `extension.config` lists them. */
  config: () => Array<{ name: string; value: string | null }>;
  /** ZOHODESK.set('extension.config', {name, value}): Desk takes only non-userdefined params (the host checks the manifest). */
  setConfig?: (name: string, value: string) => void;
  /** The extension's data storage: the record under a key, as the Desk simulator keeps the SYNC `extra`. */
  database?: (key: string) => { key: string; value: unknown; queriableValue?: string } | undefined;
  /**
   * Where ZOHODESK.request sends calls under `apiRoot` (default https://api.github.com)
   * with a connection the manifest declares, and the token the connection adds.
   */
  github?: { url: string; token: string; apiRoot?: string };
  /**
   * Where ZOHODESK.request sends calls under `apiRoot` (default https://desk.zoho.com) with
   * the Desk connection (zohoAuthorisation): the Desk simulator, with its token and org.
   */
  desk?: { url: string; token: string; orgId: string; apiRoot?: string };
  locale?: string;
  /** The app/ folder served (default this checkout's; a test serves a packed one). */
  appDir?: string;
  /** The manifest whose whiteListedDomains and connectors ZOHODESK.request enforces (default this checkout's). */
  manifest?: { whiteListedDomains: string[]; connectors: Array<{ connectionLinkName?: unknown }> };
}

/**
 * The stand-in for Desk's JS SDK (protocol §8), answering as Desk does: `extension.config`
 * as a list of pairs, `ticket.id` (the page's ?ticket=), `database` as
 * {"database.get":{"data":[…]}}, `request` as a JSON string of {statusCode, response}
 * whose response is a JSON string with GitHub's body JSON-encoded again in
 * statusMessage, and `set` refusing userdefined params with {errMsg}.
 */
export function sdkDouble(locale: string): string {
  return `(function () {
  var post = function (path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
      return r.text().then(function (t) { if (!r.ok) throw new Error(t || String(r.status)); return t; });
    });
  };
  window.ZOHODESK = {
    extension: { onload: function () { return Promise.resolve({ locale: new URLSearchParams(location.search).get('locale') || ${JSON.stringify(locale)}, meta: {}, instance: { on: function () {} } }); } },
    get: function (what, args) {
      if (what === 'extension.config') return fetch('/sandbox/config').then(function (r) { return r.json(); }).then(function (c) { return { 'extension.config': c }; });
      if (what === 'ticket.id') {
        var id = new URLSearchParams(location.search).get('ticket');
        return id ? Promise.resolve({ 'ticket.id': id }) : Promise.reject({ errMsg: 'not a ticket page' });
      }
      if (what === 'database') return post('/sandbox/database', args || {}).then(function (t) { return JSON.parse(t); });
      if (what === 'portal.id') return fetch('/sandbox/portal').then(function (r) { return r.json(); });
      return Promise.reject(new Error('the sandbox SDK does not know ' + what));
    },
    set: function (what, args) {
      if (what !== 'extension.config') return Promise.reject(new Error('the sandbox SDK sets only extension.config'));
      return post('/sandbox/config', args).then(function (t) { return JSON.parse(t); });
    },
    // Desk's proxy rejects when the service cannot be reached (the host says so in sdkError).
    request: function (o) { return post('/sandbox/request', o).then(function (t) { var v = JSON.parse(t); if (v && v.sdkError) throw v.sdkError; return t; }); },
  };
})();`;
}

/** Params Desk lets the SDK set: the manifest's non-userdefined ones. */
function settableParams(): Set<string> {
  return new Set(MANIFEST.config.filter((c) => c.userdefined === false).map((c) => c.name));
}

/**
 * Serves the widgets (app/) to a local browser with the SDK stand-in: the status page
 * from the Desk simulator's live config, the ticket card (card.html?ticket=<Desk id>)
 * from its data storage and the (fake) GitHub: the sandbox's way to show both without
 * a Desk portal, and what the browser tests drive.
 */
export async function startWidgetHost(o: WidgetHostOptions): Promise<{ url: string; origin: string; close(): Promise<void> }> {
  const settable = settableParams();
  const server = http.createServer((req, res) => void serve(o, settable, req, res));
  await new Promise<void>((resolve) => server.listen(Number(process.env.SANDBOX_WIDGET_PORT ?? 0), '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/app/widget.html`,
    origin,
    close: () => closeHttpServer(server),
  };
}

async function serve(o: WidgetHostOptions, settable: Set<string>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const answer = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    return void res.end();
  }
  if (url.pathname === '/') {
    res.writeHead(302, { location: '/app/widget.html' });
    return void res.end();
  }
  if (url.pathname.startsWith('/sandbox/') && req.method === 'POST') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      return answer(400, { errMsg: 'Invalid Payload' });
    }
    const called = await sdkCall(o, settable, url.pathname, body);
    if (called) return answer(...called);
  }
  if (url.pathname === '/sandbox/config')
    return answer(
      200,
      o.config().map((c) => ({ ...c, defaultValue: null })),
    );
  if (url.pathname === '/sandbox/portal') return answer(200, { 'portal.id': o.desk?.orgId ?? null });
  if (url.pathname === '/sandbox/sdk.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return void res.end(sdkDouble(o.locale ?? 'en'));
  }
  return serveApp(res, url.pathname, o.appDir ?? APP_DIR);
}

/** The SDK stand-in's calls: set extension.config, database.get, and request through a connection. */
async function sdkCall(o: WidgetHostOptions, settable: Set<string>, pathname: string, body: Record<string, unknown>): Promise<[number, unknown] | undefined> {
  if (pathname === '/sandbox/config') {
    const { name, value } = body as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'string') return [400, { errMsg: 'Invalid Payload' }];
    if (!settable.has(name) || !o.setConfig) return [400, { errMsg: `${name} is userdefined: only non-userdefined params can be set` }];
    o.setConfig(name, value);
    return [200, { 'extension.config': [{ name, value }] }];
  }
  if (pathname === '/sandbox/database') {
    const key = typeof body.key === 'string' ? body.key : undefined;
    if (!key) return [400, { errMsg: 'Invalid Payload' }];
    const record = o.database?.(key);
    return [200, { 'database.get': { data: record ? [record] : [] } }];
  }
  if (pathname === '/sandbox/request') return forward(o, o.manifest ?? MANIFEST, body);
  return undefined;
}

/** A file of app/, never outside it; its HTML pointed at the SDK stand-in. */
async function serveApp(res: http.ServerResponse, pathname: string, appDir: string): Promise<void> {
  const rel = path.normalize(decodeURIComponent(pathname)).replace(/^\/app\//, '');
  const file = path.join(appDir, rel);
  if (!file.startsWith(appDir + path.sep)) {
    res.writeHead(404);
    return void res.end();
  }
  try {
    let body: Buffer | string = await readFile(file);
    if (file.endsWith('.html')) body = body.toString('utf8').replace(SDK_URL, '/sandbox/sdk.js');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(file.endsWith('.js') ? 'The widget is not built: run npm run build' : 'Not Found');
  }
}

/**
 * ZOHODESK.request as Desk enforces it: only a connection the manifest declares, only a
 * URL on a whitelisted domain (whiteListedDomains), and here only under the GitHub API
 * root the host stands in for; the token added here (never in the page), GitHub's status
 * and body handed back in Desk's envelope. A GitHub that cannot be reached makes the
 * request fail, as Desk's proxy does.
 */
async function forward(o: WidgetHostOptions, manifest: NonNullable<WidgetHostOptions['manifest']>, call: Record<string, unknown>): Promise<[number, unknown]> {
  const target = typeof call.url === 'string' ? call.url : '';
  let origin = '';
  try {
    origin = new URL(target).origin;
  } catch {
    // not a URL: refused below
  }
  const gitHubRoot = (o.github?.apiRoot ?? GITHUB_API).replace(/\/+$/, '');
  const deskRoot = (o.desk?.apiRoot ?? DESK_API).replace(/\/+$/, '');
  const zoho = (manifest as { zohoAuthorisation?: { connectionLinkName?: unknown } }).zohoAuthorisation?.connectionLinkName;
  const viaGitHub = o.github && target.startsWith(`${gitHubRoot}/`) && manifest.connectors.some((c) => c.connectionLinkName === call.connectionLinkName);
  const viaDesk = o.desk && target.startsWith(`${deskRoot}/`) && call.connectionLinkName === zoho;
  if (!manifest.whiteListedDomains.includes(origin) || (!viaGitHub && !viaDesk))
    return [200, { sdkError: { errMsg: 'domain not whitelisted or unknown connection' } }];
  const method = typeof call.type === 'string' ? call.type.toUpperCase() : 'GET';
  const headers = typeof call.headers === 'object' && call.headers !== null ? (call.headers as Record<string, string>) : {};
  const hasBody = method !== 'GET' && typeof call.postBody === 'object' && call.postBody !== null && Object.keys(call.postBody).length > 0;
  const to = viaGitHub
    ? { url: o.github!.url + target.slice(gitHubRoot.length), token: o.github!.token }
    : { url: o.desk!.url + target.slice(deskRoot.length), token: o.desk!.token };
  let res: Response;
  try {
    res = await fetch(to.url, {
      method,
      headers: {
        accept: headers.Accept ?? (viaGitHub ? 'application/vnd.github+json' : 'application/json'),
        'content-type': 'application/json',
        authorization: `Bearer ${to.token}`,
        ...(viaDesk && typeof headers.orgId === 'string' ? { orgid: headers.orgId } : {}),
      },
      ...(hasBody ? { body: JSON.stringify(call.postBody) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return [200, { sdkError: { errMsg: 'the connection could not reach the service' } }];
  }
  const text = await res.text();
  return [200, JSON.stringify({ statusCode: res.status, response: JSON.stringify({ statusMessage: text === '' ? '{}' : text }) })];
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
