// Bundles the widgets (widget/*.ts): the status page into app/js/widget.js and the
// ticket card into app/js/card.js, minified, no source maps (zet would leave them out
// anyway), and prints each one's size raw and gzipped.
import { gzipSync } from 'node:zlib';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const BUDGET_GZIP = 25 * 1024;

/** Measures the bundle as it is written and prints the figures last, after rollup's own lines. */
function reportSize() {
  const lines = [];
  return {
    name: 'report-size',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const raw = Buffer.byteLength(file.code);
        const gz = gzipSync(file.code, { level: 9 }).length;
        const line = `widget bundle ${file.fileName}: ${raw} bytes (${(raw / 1024).toFixed(1)} KB) raw, ${gz} bytes (${(gz / 1024).toFixed(1)} KB) gzipped, budget ${BUDGET_GZIP / 1024} KB gzipped`;
        if (gz > BUDGET_GZIP) this.error(`${line}: over budget`);
        lines.push(line);
      }
    },
    closeBundle() {
      for (const line of lines.splice(0)) console.log(line);
    },
  };
}

const bundle = (input, file) => ({
  input,
  output: { file, format: 'iife', sourcemap: false },
  plugins: [nodeResolve(), typescript({ tsconfig: 'widget/tsconfig.json', outputToFilesystem: false }), terser(), reportSize()],
});

export default [bundle('widget/main.ts', 'app/js/widget.js'), bundle('widget/card-main.ts', 'app/js/card.js')];
