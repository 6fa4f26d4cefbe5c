import { expect } from 'chai';
import { readFileSync } from 'node:fs';

// npm scripts put node_modules/.bin first on PATH, where the pinned `node` package
// (devDependency) provides a supported LTS even on a machine whose system Node is 20.
describe('The runtime', () => {
  it('is a supported Node LTS (22 or later), as package.json engines says', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    // engines is one lower bound (`>=MAJOR.MINOR`), at least the oldest supported LTS, 22.
    const floor = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(floor, `engines.node ${pkg.engines.node}`).to.not.equal(null);
    const atLeast = (version: string) => {
      const [major = 0, minor = 0] = version.split('.').map(Number);
      return major > Number(floor![1]) || (major === Number(floor![1]) && minor >= Number(floor![2]));
    };
    expect(Number(floor![1])).to.be.at.least(22);
    expect(atLeast(process.versions.node), `this Node ${process.versions.node} against ${pkg.engines.node}`).to.equal(true);
    expect(atLeast(pkg.devDependencies.node ?? '0'), `the pinned node ${pkg.devDependencies.node}`).to.equal(true);
  });
});
