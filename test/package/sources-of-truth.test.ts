import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWireTypes, WIRE_TYPES } from '../../scripts/schema-types.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/errors.js';
import { gitHubModule } from '../../server/connectors/github/index.js';
import { requestShapes } from '../../sandbox/desk-simulator/request-shapes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('One source of truth', function () {
  this.timeout(30_000);

  it('the TypeScript wire types are generated from the current JSON Schemas', async () => {
    for (const { dir, file } of WIRE_TYPES) expect(readFileSync(file, 'utf8')).to.equal(await generateWireTypes(dir), 'run npm run schemas:types');
  });

  it("the README lists exactly the error codes of the catalogue, with their statuses and hints in GitHub's words", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|[^|]*\| (.*) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
    const codes = Object.entries(ERROR_CATALOGUE)
      .map(([code, e]) => `${code} ${e.status} ${gitHubModule.hints?.[code as ErrorCode] ?? e.hint}`)
      .sort();
    expect(rows).to.deep.equal(codes);
  });

  it('docs/desk-compatibility.md has one row for every shape of the conformance corpus', () => {
    const doc = readFileSync(path.join(root, 'docs/desk-compatibility.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]).sort();
    expect(rows).to.deep.equal(
      requestShapes()
        .map((s) => s.id)
        .sort(),
    );
  });
});
