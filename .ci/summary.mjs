// Prints each failure from mocha's JSON reports (one per run: Node 24, Node 22, the
// cluster), then the one line CI reads: "N passed, N failed", counting every run.
// Exits non-zero when a report is missing, empty or failing.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`no test report ${file}: ${err.message}`);
    failed++;
    continue;
  }
  for (const f of report.failures ?? []) {
    console.log(`FAILED (${file}): ${f.fullTitle}\n  ${(f.err?.message ?? '').split('\n').join('\n  ')}`);
  }
  const p = report.stats?.passes ?? 0;
  const n = report.stats?.failures ?? 0;
  if (p === 0 && n === 0) failed++;
  passed += p;
  failed += n;
  console.log(`${file}: ${report.stats?.tests ?? 0} tests in ${Math.round((report.stats?.duration ?? 0) / 1000)} s, ${p} passed, ${n} failed`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
