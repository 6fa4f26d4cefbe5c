import { expect } from 'chai';
import { readFileSync } from 'node:fs';

// npm scripts put node_modules/.bin first on PATH, where the pinned `node` package
// (devDependency) provides a supported LTS even on a machine whose system Node is 20.
describe('The runtime', () => {
  it('is a supported Node LTS (22 or later), as package.json engines says', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).to.be.at.least(22);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).to.equal('>=22.12');
    expect(Number(pkg.devDependencies.node?.split('.')[0])).to.be.at.least(22);
  });
});
