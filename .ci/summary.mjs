// Prints each failure from mocha's JSON report, then the one line CI reads:
// "N passed, N failed". Exits non-zero when the report is missing, empty or failing.
import { readFileSync } from 'node:fs';

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
} catch (err) {
  console.log(`no test report: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const f of report.failures ?? []) {
  console.log(`FAILED: ${f.fullTitle}\n  ${(f.err?.message ?? '').split('\n').join('\n  ')}`);
}
const passed = report.stats?.passes ?? 0;
const failed = report.stats?.failures ?? 0;
console.log(`${report.stats?.tests ?? 0} tests in ${Math.round((report.stats?.duration ?? 0) / 1000)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
