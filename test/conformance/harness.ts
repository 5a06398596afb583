import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Teardown } from '../helpers/http.js';
import { admin, createTenant, testApp } from '../helpers/app.js';
import { doorUrl, type S3Key } from '../helpers/door.js';
import { rgwNamedUser, rgwSettings } from '../helpers/rgw.js';

/**
 * Ceph's s3-tests and RGW's own results (see its README.md): S3GATE_CONFORMANCE_DIR, else `shared/conformance`
 * beside the checkout, else the workplace's own copy (a clean clone elsewhere still finds it).
 */
export const CONFORMANCE_DIR =
  [process.env.S3GATE_CONFORMANCE_DIR, fileURLToPath(new URL('../../../shared/conformance/', import.meta.url)), '/work/shared/conformance/']
    .filter((d): d is string => !!d)
    .map((d) => (d.endsWith('/') ? d : `${d}/`))
    .find((d) => existsSync(`${d}run-s3-tests.sh`)) ?? fileURLToPath(new URL('../../../shared/conformance/', import.meta.url));
const script = `${CONFORMANCE_DIR}run-s3-tests.sh`;

export type Selection = 'core' | 'broad';
export type Outcome = 'passed' | 'failed';

/** Each test's outcome in one run's output (pytest -rA: "PASSED path::name", "FAILED path::name - why"). */
export function outcomes(text: string): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const line of text.split('\n')) {
    const m = /^(PASSED|FAILED|ERROR) (?:\S+::)?(test_\S+)/.exec(line);
    if (m) out.set(m[2], m[1] === 'PASSED' ? 'passed' : 'failed');
  }
  return out;
}

/** RGW 16.2's outcomes when the suite runs directly against it: what the backend itself passes. */
export function direct(set: Selection): Map<string, Outcome> {
  return outcomes(readFileSync(`${CONFORMANCE_DIR}results/rgw-16.2-direct-${set}.txt`, 'utf8'));
}

/** Whether the suite and the Python it needs are here; else the reason, to say so. */
export function missing(): string | undefined {
  if (!existsSync(script)) return `Ceph's s3-tests are not at ${CONFORMANCE_DIR}: set S3GATE_CONFORMANCE_DIR to the directory that holds run-s3-tests.sh`;
  return undefined;
}

/** Expected failures: test name → why it fails through the door (test/conformance/expected-failures.txt). */
export function expectedFailures(): Map<string, string> {
  const text = readFileSync(fileURLToPath(new URL('./expected-failures.txt', import.meta.url)), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(test_\S+)\s+(.+)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/**
 * Runs a selection of s3-tests against the door of a gateway on Ceph RGW: two tenants named as the suite's
 * users ("tester" and "s3t-alt"), each on an RGW account of its own and with an S3 key. Returns each
 * test's outcome and the output file.
 */
export async function runConformance(t: Teardown, set: Selection, opts: { out: string; args?: string[] }): Promise<Map<string, Outcome>> {
  const app = await testApp(t);
  const keys: S3Key[] = [];
  for (const id of ['tester', 's3t-alt']) {
    // The backend account has the tenant's id and name: what the backend answers in owners and ACL
    // grants is what the suite expects of its users.
    const account = rgwNamedUser({ uid: id, accessKeyId: `AKCONFORMANCE${id.replace(/\W/g, '').toUpperCase()}`, secretAccessKey: `conformance-${id}-secret` });
    await createTenant(app, { id, driver: 's3', s3: rgwSettings(account) });
    const res = await app.inject({ method: 'POST', url: `/admin/tenants/${id}/s3-keys`, headers: admin });
    if (res.statusCode !== 201) throw new Error(`creating an S3 key failed: ${res.statusCode} ${res.body}`);
    keys.push(res.json() as S3Key);
  }
  const { port } = new URL(await doorUrl(app));
  const [main, alt] = keys;
  const env = { ...process.env, S3T_SET: set, OUT: opts.out, S3T_MAIN_UID: 'tester', S3T_MAIN_NAME: 'tester', S3T_ALT_UID: 's3t-alt', S3T_ALT_NAME: 's3t-alt' };
  const args = [script, set, '127.0.0.1', port, main.accessKeyId, main.secretAccessKey, alt.accessKeyId, alt.secretAccessKey, ...(opts.args ?? [])];
  // Asynchronous, so this process's event loop serves the door while the suite runs.
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  return outcomes(readFileSync(opts.out, 'utf8'));
}
