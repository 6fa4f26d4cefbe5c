import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs|js)$/.test(f) ? [p] : [];
  });
}

/** The Debian package of each system program the tests start (their names differ nowhere yet). */
const DEBIAN_PACKAGE: Record<string, string> = { chromium: 'chromium', 'redis-server': 'redis-server', haproxy: 'haproxy' };

/**
 * The order check beside scripts/fresh-check.sh (which runs .ci/run in a bare Debian
 * root): every system program a test spawns by its path is installed by .ci/run before
 * its first npm command, and the README's set-up line names the same packages.
 */
describe('System packages the tests need', () => {
  const spawned = new Set<string>();
  for (const file of [...sources(path.join(root, 'test')), ...sources(path.join(root, 'bench'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`]\/usr\/s?bin\/([a-z0-9][a-z0-9.+-]*)['"`]/g)) spawned.add(m[1]!);
  }
  const ciRun = readFileSync(path.join(root, '.ci/run'), 'utf8');
  const installLine = /apt-get install -y -qq ([a-z0-9 .+-]+?) >\/dev\/null/.exec(ciRun);
  const listed = (installLine?.[1] ?? '').split(/\s+/).filter(Boolean);

  it('finds the programs it checks (chromium, redis-server, haproxy)', () => {
    expect([...spawned].sort()).to.include.members(['chromium', 'haproxy', 'redis-server']);
  });

  it('.ci/run installs the package of every spawned program before its first npm command', () => {
    for (const program of spawned) {
      expect(DEBIAN_PACKAGE, `map ${program} to its Debian package here`).to.have.property(program);
      expect(listed, `.ci/run's install line lacks ${DEBIAN_PACKAGE[program]}`).to.include(DEBIAN_PACKAGE[program]);
    }
    const install = installLine?.index ?? -1;
    const firstNpm = ciRun.search(/^npm /m);
    expect(install, 'the install line').to.be.greaterThan(0);
    expect(install, 'installed before npm ci and npm test').to.be.lessThan(firstNpm);
  });

  it("the README's test command names the same packages", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const line = /^apt-get install -y ([a-z0-9 +.-]+?)\s+#/m.exec(readme)?.[1]?.split(/\s+/) ?? [];
    expect(line.sort()).to.deep.equal([...listed].sort());
  });
});
