import { spawnSync } from 'node:child_process';
import t from 'tap';
import { expectedFailures, missing, runConformance } from './harness.js';
import { compare, summary } from './report.js';

// Ceph's s3-tests (broad selection) through the door on RGW, as `npm run conformance -- --set broad`
// runs them: every test RGW passes directly passes through the door, but for the expected failures
// of expected-failures.txt (each with its reason), which must fail, so a regression or a test that
// starts passing is seen. A test that fails once is run again alone, once: the suite has a few that
// race with a loaded machine, and a real regression fails twice.
t.setTimeout(20 * 60_000);

const why = missing();
const python = spawnSync('/usr/bin/python3', ['-c', 'import boto3, munch, gevent, isodate, pytest, pytest_timeout, yaml, lxml, httplib2'], { stdio: 'ignore' });
if (why || python.status !== 0) {
  t.fail(
    why ??
      "s3-tests need Debian's python3-boto3 python3-munch python3-gevent python3-isodate python3-requests python3-tz python3-httplib2 python3-lxml python3-pytest python3-pytest-timeout python3-yaml (scripts/test.sh installs them)",
  );
} else {
  t.test('s3-tests (broad) through the door on RGW', async (t) => {
    const run = await runConformance(t, 'broad', { out: '/tmp/s3gate-ci-conformance-broad.txt' });
    let report = compare('broad', run);
    if (report.unexpected.length > 0) {
      const again = await runConformance(t, 'broad', { out: '/tmp/s3gate-ci-conformance-again.txt', args: ['-k', report.unexpected.join(' or ')] });
      for (const [name, outcome] of again) if (outcome === 'passed') run.set(name, 'passed');
      report = compare('broad', run);
    }
    t.comment(summary(report));
    const reasons = expectedFailures();
    t.same(report.unexpected, [], 'every test RGW passes passes through the door, but for the expected failures');
    t.same(
      report.newlyPassing.map((n) => `${n} (${reasons.get(n)})`),
      [],
      'no expected failure passes: take it off test/conformance/expected-failures.txt',
    );
    t.same(report.notRun, [], 'every test ran');
  });
}
