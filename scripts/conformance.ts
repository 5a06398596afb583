// npm run conformance [-- --set core|broad] [-- pytest args]: Ceph's s3-tests through the door on Ceph RGW,
// compared with RGW's own results and with test/conformance/expected-failures.txt.
import { expectedFailures, missing, runConformance, type Selection } from '../test/conformance/harness.js';
import { compare, summary } from '../test/conformance/report.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--set');
const set = (at >= 0 ? argv.splice(at, 2)[1] : 'core') as Selection;
if (set !== 'core' && set !== 'broad') throw new Error(`--set is core or broad, not ${set}`);
const why = missing();
if (why) {
  console.error(`conformance: ${why}`);
  process.exit(1);
}
const teardowns: (() => unknown)[] = [];
const out = `/tmp/s3gate-conformance-${set}.txt`;
try {
  const run = await runConformance({ teardown: (fn) => teardowns.push(fn) }, set, { out, args: argv });
  const report = compare(set, run);
  const reasons = expectedFailures();
  for (const name of report.unexpected) console.log(`unexpected failure: ${name}`);
  for (const name of report.newlyPassing) console.log(`newly passing (take it off the list): ${name} (${reasons.get(name)})`);
  for (const name of report.notRun) console.log(`not run: ${name}`);
  console.log(summary(report));
  console.log(`each test's outcome: ${out}`);
  process.exitCode = report.unexpected.length + report.newlyPassing.length + report.notRun.length === 0 ? 0 : 1;
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
