import { expect } from 'chai';
import { CONNECTORS } from '../../server/connectors/registry.js';
import { CONNECTOR_ENVIRONMENTS } from '../../server/connectors/environments.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfig } from '../../server/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('Server configuration', () => {
  const good = { EXTENSION_SECRET: 'a-secret-of-16-chars+' };

  it('has safe defaults for everything but the secret', () => {
    const c = readConfig(good);
    expect(c).to.include({
      port: 8080,
      transport: 'invoke',
      deskApiUrl: 'https://desk.zoho.com',
      connector: 'github',
      logLevel: 'info',
    });
    expect(c.upstream).to.deep.equal({ apiUrl: 'https://api.github.com', webUrl: 'https://github.com', token: undefined, connection: 'github' });
    expect(c.pull).to.deep.equal({ maxTickets: 1000, maxThreads: 1000, timeBudgetMs: 20000, maxBytes: 5 * 1024 * 1024 });
    // Callbacks never block an install; GitHub's query travels inside requestURL.
    expect(c).to.include({ callbackHash: 'log', invokeQuery: 'url' });
  });

  it('reads the callback and Invoke switches, and names a wrong value', () => {
    expect(readConfig({ ...good, CALLBACK_HASH: 'enforce', INVOKE_QUERY: 'params' })).to.include({ callbackHash: 'enforce', invokeQuery: 'params' });
    expect(() => readConfig({ ...good, CALLBACK_HASH: 'strict' })).to.throw(/CALLBACK_HASH must be log or enforce/);
    expect(() => readConfig({ ...good, INVOKE_QUERY: 'body' })).to.throw(/INVOKE_QUERY must be url or params/);
  });

  it('turns webhooks on with an https PUBLIC_URL, and refuses a plain-http one off loopback', () => {
    expect(readConfig(good).publicUrl, 'unset: pull only').to.equal(undefined);
    expect(readConfig({ ...good, PUBLIC_URL: 'https://channel.example.com' })).to.include({
      publicUrl: 'https://channel.example.com',
      deskConnection: 'zohodesk',
    });
    expect(() => readConfig({ ...good, PUBLIC_URL: 'http://channel.example.com' })).to.throw(/PUBLIC_URL/);
    expect(() => readConfig({ ...good, DESK_CONNECTION: 'has space' })).to.throw(/DESK_CONNECTION/);
  });

  it('names a CLAIM_STORE password with a malformed %-escape as a problem, never echoing it, and caps connections by default', () => {
    expect(() => readConfig({ ...good, CLAIM_STORE: 'redis://:pa%zzword@127.0.0.1:6379' })).to.throw(
      ConfigError,
      /CLAIM_STORE's password has a malformed %-escape/,
    );
    try {
      readConfig({ ...good, CLAIM_STORE: 'redis://:pa%zzword@127.0.0.1:6379' });
    } catch (err) {
      expect((err as Error).message).not.to.include('pa%zzword');
    }
    expect(readConfig(good).connectionCaps).to.deep.equal({ total: 2048, perClient: 256 });
    expect(readConfig({ ...good, MAX_CONNECTIONS: '64', MAX_CONNECTIONS_PER_CLIENT: '8' }).connectionCaps).to.deep.equal({ total: 64, perClient: 8 });
  });

  it('lists every problem at once', () => {
    const err = (() => {
      try {
        readConfig({
          PORT: 'eighty',
          TRANSPORT: 'carrier-pigeon',
          DESK_API_URL: 'http://desk.zoho.com',
          DESK_URL_KEY: 'short',
          LOG_LEVEL: 'loud',
          PULL_MAX_TICKETS: '5000',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['EXTENSION_SECRET', 'PORT', 'TRANSPORT', 'DESK_API_URL', 'DESK_URL_KEY', 'LOG_LEVEL', 'PULL_MAX_TICKETS'])
      expect(problems).to.include(name);
  });

  it('needs a token for the direct transport and refuses one for invoke', () => {
    expect(() => readConfig({ ...good, TRANSPORT: 'direct' })).to.throw(/GITHUB_TOKEN is required/);
    expect(() => readConfig({ ...good, GITHUB_TOKEN: 'x' })).to.throw(/only used with TRANSPORT=direct/);
    expect(readConfig({ ...good, TRANSPORT: 'direct', GITHUB_TOKEN: 't', GITHUB_API_URL: 'http://127.0.0.1:9000' }).upstream.apiUrl).to.equal(
      'http://127.0.0.1:9000',
    );
  });
});

describe('Starting the server', function () {
  this.timeout(30_000);
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'sandbox/start.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 20_000,
    });

  it('refuses to start in production with a clear message when configuration is missing', () => {
    const r = run({ MODE: 'production' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('EXTENSION_SECRET is required');
  });

  it('never runs the sandbox when a production variable is set', () => {
    const r = run({ MODE: 'sandbox', GITHUB_TOKEN: 'ghp_x' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/refusing to start the sandbox while GITHUB_TOKEN is set/);
    expect(r.stderr + r.stdout).not.to.include('ghp_x');
  });

  it('chooses production, not the sandbox, when only production variables are set', () => {
    const r = run({ TRANSPORT: 'direct' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('GITHUB_TOKEN is required');
  });

  it('says why the sandbox did not start, naming the variable and how to unset it, and never its value', () => {
    const r = run({ GITHUB_TOKEN: 'ghp_secretvalue' });
    expect(r.status).to.equal(2);
    const first = r.stderr.split('\n')[0];
    expect(first).to.include('GITHUB_TOKEN is set, so this is the production server, not the sandbox');
    expect(first).to.include('env -u GITHUB_TOKEN npm start');
    expect(r.stderr + r.stdout).not.to.include('ghp_secretvalue');
  });
  it("reads the connectors' variables from the same list the registry builds its modules in", () => {
    expect(CONNECTORS.map((c) => ({ name: c.name, env: c.env }))).to.deep.equal(CONNECTOR_ENVIRONMENTS.map((c) => ({ name: c.name, env: c.env })));
    expect(() => readConfig({ EXTENSION_SECRET: 'a-secret-of-16-chars+', CONNECTOR: 'gitlab' })).to.throw(/CONNECTOR must be one of github/);
  });
});
