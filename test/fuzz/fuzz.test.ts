import tap from 'tap';

const t = tap;
import { fuzzDoor } from './door.js';
import { fuzzGraphql, fuzzIngest, fuzzRest, type FuzzReport } from './harness.js';
import { fuzzTus } from './tus.js';
import { fuzzTarget } from './setup.js';

/** A short seeded pass of the hostile-input harness (npm run fuzz runs 100,000 requests). */
const SEED = Number(process.env.S3GATE_FUZZ_SEED ?? 20261130);

function check(t: Pick<typeof tap, 'comment' | 'same' | 'ok'>, name: string, report: FuzzReport) {
  t.comment(`${name}: ${report.requests} requests; by status ${JSON.stringify(report.byStatus)}`);
  t.same(report.findings.slice(0, 5), [], `${name}: every answer keeps the invariants (${report.findings.length} findings)`);
  t.ok(report.heapMB.end - report.heapMB.start < 64, `${name}: live heap ${report.heapMB.start} → ${report.heapMB.end} MB (RSS ${report.rssMB.start} → ${report.rssMB.end} MB)`);
}

t.test('openapi.yaml-driven requests, valid and mutated, on RGW and disk tenants', async (t) => {
  const { app, ctx } = await fuzzTarget(t);
  const report = await fuzzRest(app, ctx, { count: 2500, seed: SEED });
  check(t, 'REST', report);
  t.ok(
    Object.keys(report.byStatus).some((s) => s.startsWith('2')),
    'some requests succeed (the generator is not all noise)',
  );
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the gateway is up');
});

t.test('random GraphQL documents from the schema', async (t) => {
  const { app, ctx } = await fuzzTarget(t);
  check(t, 'GraphQL', await fuzzGraphql(app, ctx, { count: 600, seed: SEED }));
});

t.test('random notification bodies to the ingest endpoint', async (t) => {
  const { app, ctx } = await fuzzTarget(t);
  check(t, 'ingest', await fuzzIngest(app, ctx, { count: 600, seed: SEED }));
});

t.test('S3 requests to the door, signed as clients sign them and then spoiled', async (t) => {
  const { app, ctx } = await fuzzTarget(t);
  const report = await fuzzDoor(app, ctx, { count: 1500, seed: SEED });
  check(t, 'S3 door', report);
  t.ok(
    Object.keys(report.byStatus).some((s) => s.startsWith('2')),
    'some requests succeed',
  );
  t.ok((report.byCode.AccessDenied ?? 0) + (report.byCode.SignatureDoesNotMatch ?? 0) > 0, 'spoiled signatures are refused');
});

t.test('tus requests: creations, appends, offsets and terminations, with keys, presigned URLs or none', async (t) => {
  const { app, ctx, tus } = await fuzzTarget(t);
  const report = await fuzzTus(app, ctx, tus, { count: 1500, seed: SEED });
  check(t, 'tus', report);
  t.ok(
    Object.keys(report.byStatus).some((s) => s.startsWith('2')),
    'some requests succeed',
  );
});
