import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../app');
const SDK_URL = 'https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js';
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

/**
 * Serves the widget (app/) to a local browser with a stand-in for Desk's JS SDK that
 * answers `extension.config` from the Desk simulator's live channelState: the
 * sandbox's way to show the status page without a Desk portal.
 */
export async function startWidgetHost(o: { config: () => Array<{ name: string; value: string | null }>; locale?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const standIn = `window.ZOHODESK = {
  extension: { onload: function () { return Promise.resolve({ locale: new URLSearchParams(location.search).get('locale') || ${JSON.stringify(o.locale ?? 'en')}, meta: {}, instance: { on: function () {} } }); } },
  get: function (what) {
    if (what !== 'extension.config') return Promise.reject(new Error('the sandbox SDK knows only extension.config'));
    return fetch('/sandbox/config').then(function (r) { return r.json(); }).then(function (c) { return { 'extension.config': c }; });
  },
  set: function () { return Promise.resolve({}); },
};`;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/app/widget.html' });
      return res.end();
    }
    if (url.pathname === '/sandbox/config') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(o.config().map((c) => ({ ...c, defaultValue: null }))));
    }
    if (url.pathname === '/sandbox/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(standIn);
    }
    const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^\/app\//, '');
    const file = path.join(APP_DIR, rel);
    if (!file.startsWith(APP_DIR + path.sep)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      let body: Buffer | string = await readFile(file);
      if (file.endsWith('.html')) body = body.toString('utf8').replace(SDK_URL, '/sandbox/sdk.js');
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(file.endsWith('widget.js') ? 'The widget is not built: run npm run build' : 'Not Found');
    }
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.SANDBOX_WIDGET_PORT ?? 0), '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/app/widget.html`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
