import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import * as tus from 'tus-js-client';
import { alternate, drain, mbps, MiB, timed } from '../lib/measure.js';

import { QUICK, RUNS, TUS_BYTES, record, type Bench } from './bench.js';

/** Resumable uploads at several chunk sizes beside a plain streamed PUT */
export async function tusPhase(b: Bench) {
  const { s3, bucket, main, rss, http, auth, obj, say } = b;
  say('tus');
  rss.phase('tus');
  // TUS_BYTES from memory through tus (tus-js-client) at several chunk sizes, beside a plain streamed PUT of the same buffer.
  const tusData = randomBytes(TUS_BYTES);
  const tusChunks = QUICK ? [5 * MiB, Infinity] : [5 * MiB, 16 * MiB, 64 * MiB, Infinity];
  const tusUpload = (chunkSize: number) => async () =>
    mbps(
      TUS_BYTES,
      await timed(
        () =>
          new Promise<void>((resolve, reject) => {
            new tus.Upload(tusData, {
              endpoint: `${main.base}/v1/uploads`,
              headers: auth,
              metadata: { bucket, key: 'tus-large' },
              chunkSize,
              retryDelays: [],
              onError: reject,
              onSuccess: () => resolve(),
            }).start();
          }),
      ),
    );
  const tusSides: Record<string, () => Promise<number>> = {
    put: async () =>
      mbps(
        TUS_BYTES,
        await timed(async () => {
          const res = await http.request({ method: 'PUT', path: obj('tus-plain'), headers: { ...auth, 'content-length': String(TUS_BYTES) }, body: tusData });
          if (res.statusCode !== 201) throw new Error(`PUT ${res.statusCode}`);
          await drain(res.body);
        }),
      ),
  };
  for (const c of tusChunks) tusSides[c === Infinity ? 'one PATCH' : `${c / MiB} MiB chunks`] = tusUpload(c);
  const tusRounds = await alternate(RUNS, tusSides);
  for (const [name, s] of Object.entries(tusRounds)) if (name !== 'put') record(`tus ${TUS_BYTES / MiB} MiB, ${name}`, 'MB/s', 'higher', s, tusRounds.put, 'plain PUT through the gateway');
  for (const k of ['tus-large', 'tus-plain']) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
}
