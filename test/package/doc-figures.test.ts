import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figureBlocks, README, RENDERERS, renderFigures } from '../../scripts/doc-figures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The README's figures are rendered from what measured them; a hand edit or a stale render fails here. */
describe("The README's figures", function () {
  this.timeout(120_000);
  const readme = readFileSync(README, 'utf8');
  const blocks = figureBlocks(readme);

  before(() => {
    // The bundle sizes are those of a fresh build, as `npm run build` makes it.
    const build = spawnSync('npx', ['rollup', '-c', 'rollup.config.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
  });

  it('has a block for each measured figure set: bench, cluster, bundles', () => {
    expect([...blocks.keys()].sort()).to.deep.equal(Object.keys(RENDERERS).sort());
  });

  for (const name of Object.keys(RENDERERS)) {
    it(`${name}: equals its render (run npm run docs:figures after measuring)`, () => {
      expect(blocks.get(name)).to.equal(RENDERERS[name]!());
    });
  }

  it('rendering twice changes nothing', () => {
    const once = renderFigures(readme);
    expect(renderFigures(once)).to.equal(once);
  });
});
