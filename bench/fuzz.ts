// npm run fuzz [-- --requests 100000 --seed N]: the hostile-input harness at length. Requests from
// openapi.yaml (valid and mutated) to RGW and disk tenants, random GraphQL documents, random ingest
// bodies, signed-then-spoiled S3 requests to the door and tus requests, in the proportions
// 50/15/10/15/10; prints the counts by status and code and every finding, and
// exits 1 if any answer broke an invariant (a 5xx, an error without its shape or a documented code,
// an answer off the document's schema) or the live heap (after a full collection) grew by more than 64 MB.
import { fuzzDoor } from '../test/fuzz/door.js';
import { fuzzGraphql, fuzzIngest, fuzzRest, heapMB, type FuzzReport } from '../test/fuzz/harness.js';
import { fuzzTus } from '../test/fuzz/tus.js';
import { fuzzTarget } from '../test/fuzz/setup.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TOTAL = arg('requests', 100_000);
const SEED = arg('seed', Date.now() % 1_000_000);

async function main() {
  const teardowns: (() => unknown)[] = [];
  const { app, ctx, tus } = await fuzzTarget({ teardown: (fn) => void teardowns.push(fn) });
  const started = Date.now();
  const parts: [string, FuzzReport][] = [];
  // In slices, so a long run reports as it goes and RSS is sampled along the way.
  const slice = 5000;
  for (const [name, share, fn] of [
    ['REST', 0.5, fuzzRest],
    ['GraphQL', 0.15, fuzzGraphql],
    ['ingest', 0.1, fuzzIngest],
    ['S3 door', 0.15, fuzzDoor],
    ['tus', 0.1, (a: typeof app, c: typeof ctx, o: { count: number; seed: number }) => fuzzTus(a, c, tus, o)],
  ] as const) {
    const total = Math.round(TOTAL * share);
    const merged: FuzzReport = { requests: 0, byStatus: {}, byCode: {}, findings: [], rssMB: { start: Math.round(process.memoryUsage().rss / 2 ** 20), end: 0 }, heapMB: { start: heapMB(), end: 0 } };
    for (let done = 0, i = 0; done < total; done += slice, i++) {
      const r = await fn(app, ctx, { count: Math.min(slice, total - done), seed: SEED + i });
      merged.requests += r.requests;
      for (const [k, v] of Object.entries(r.byStatus)) merged.byStatus[k] = (merged.byStatus[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.byCode)) merged.byCode[k] = (merged.byCode[k] ?? 0) + v;
      merged.findings.push(...r.findings);
      merged.rssMB.end = r.rssMB.end;
      merged.heapMB.end = r.heapMB.end;
      console.log(`${name}: ${merged.requests}/${total} requests, ${merged.findings.length} findings, live heap ${r.heapMB.end} MB, RSS ${r.rssMB.end} MB`);
    }
    parts.push([name, merged]);
  }
  console.log(`\nfuzz: ${TOTAL} requests in ${Math.round((Date.now() - started) / 1000)} s, seed ${SEED}`);
  let failed = false;
  for (const [name, r] of parts) {
    console.log(`\n${name}: ${r.requests} requests, live heap ${r.heapMB.start} → ${r.heapMB.end} MB, RSS ${r.rssMB.start} → ${r.rssMB.end} MB`);
    console.log(
      `  by status: ${Object.entries(r.byStatus)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    );
    console.log(
      `  by code:   ${Object.entries(r.byCode)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    );
    for (const f of r.findings.slice(0, 20))
      console.log(
        `  FINDING ${f.status} ${f.problem}\n    ${f.request.method} ${f.request.url} ${JSON.stringify(f.request.headers)} ${String(f.request.payload ?? '').slice(0, 200)}\n    -> ${f.body}`,
      );
    if (r.findings.length > 0 || r.heapMB.end - r.heapMB.start > 64) failed = true;
  }
  for (const fn of teardowns.reverse()) await fn();
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
