import { direct, expectedFailures, type Outcome, type Selection } from './harness.js';

/** How a door run compares with RGW's own run and with the expected failures. */
export interface Report {
  set: Selection;
  /** Tests RGW passes directly. */
  backend: number;
  /** Of those, the ones the door passes. */
  door: number;
  /** RGW passes, the door fails, and expected-failures.txt does not say why. */
  unexpected: string[];
  /** Listed as expected to fail, yet passed: take them off the list. */
  newlyPassing: string[];
  /** Listed, and failed as expected. */
  expected: string[];
  /** Selected and run by RGW, but absent from this run's output (the run stopped early). */
  notRun: string[];
}

export function compare(set: Selection, run: Map<string, Outcome>): Report {
  const rgw = direct(set);
  const listed = expectedFailures();
  const report: Report = { set, backend: 0, door: 0, unexpected: [], newlyPassing: [], expected: [], notRun: [] };
  for (const [name, outcome] of rgw) {
    if (outcome !== 'passed') continue;
    report.backend++;
    const got = run.get(name);
    if (got === undefined) report.notRun.push(name);
    else if (got === 'passed') {
      report.door++;
      if (listed.has(name)) report.newlyPassing.push(name);
    } else if (listed.has(name)) report.expected.push(name);
    else report.unexpected.push(name);
  }
  return report;
}

export function summary(r: Report): string {
  const pct = r.backend ? ((100 * r.door) / r.backend).toFixed(1) : '0';
  return `s3-tests ${r.set} through the door on RGW: ${r.door} of the ${r.backend} RGW passes directly (${pct}%); ${r.expected.length} expected failures, ${r.unexpected.length} unexpected, ${r.newlyPassing.length} newly passing, ${r.notRun.length} not run`;
}
