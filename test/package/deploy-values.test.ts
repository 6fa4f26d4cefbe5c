import { expect } from 'chai';
import { ConfigError, readConfig } from '../../server/config.js';
import os from 'node:os';
import path from 'node:path';
import { pack } from '../../scripts/pack.js';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    readConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};
/** Pack's refusal of `o`, the other values good, so that only the one under test is wrong. */
const packRefusal = (o: Parameters<typeof pack>[0]): string => {
  const good = { baseUrl: 'https://channel.test.example', secret: 'a-secret-of-16-chars+', urlKey: 'a-url-key-of-16-chars' };
  try {
    pack({ ...good, ...o, out: path.join(os.tmpdir(), `deploy-values-${process.pid}.zip`), skipBuild: true, log: () => undefined });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('pack accepted it');
};

describe('One validator for deployment values (npm run pack and the server)', () => {
  it("pack refuses a secret the server would refuse, with the server's message, before building anything", () => {
    const server = problemsOf({ EXTENSION_SECRET: 'short' });
    expect(server).to.deep.equal(['EXTENSION_SECRET must be at least 16 characters']);
    expect(packRefusal({ secret: 'short' })).to.equal(server[0]);
    expect(problemsOf({ EXTENSION_SECRET: 'sixteen chars with spaces' })[0]).to.equal(packRefusal({ secret: 'sixteen chars with spaces' }));
  });

  it('pack refuses a URL key the server would refuse, with the same rule', () => {
    const server = problemsOf({ EXTENSION_SECRET: 'a-secret-of-16-chars+', DESK_URL_KEY: 'short' });
    expect(server).to.deep.equal(['DESK_URL_KEY must be 16 to 128 characters of A-Z a-z 0-9 _ -']);
    expect(packRefusal({ urlKey: 'short' })).to.equal(server[0]);
  });

  it('checks base URLs with one rule: https, no credentials, query or fragment; http only on loopback for the server', () => {
    expect(packRefusal({ baseUrl: 'http://channel.example.org' })).to.equal('--base-url must be an https:// URL');
    expect(packRefusal({ baseUrl: 'http://127.0.0.1:8080' })).to.equal('--base-url must be an https:// URL');
    expect(packRefusal({ baseUrl: 'https://u:p@channel.example.org' })).to.equal('--base-url must not carry credentials, a query or a fragment');
    expect(problemsOf({ EXTENSION_SECRET: 'a-secret-of-16-chars+', DESK_API_URL: 'https://desk.zoho.com/?x=1' })).to.deep.equal([
      'DESK_API_URL must not carry credentials, a query or a fragment',
    ]);
    expect(packRefusal({ baseUrl: 'not a url', secret: 'short' })).to.equal('--base-url is not a URL; EXTENSION_SECRET must be at least 16 characters');
  });
});
