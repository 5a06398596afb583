import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { pipeProxy } from '../lib/pipe-proxy.js';
import { alternate, bytes, cpuMsOf, minorFaultsOf, drain, mbps, MiB, round, summary, timed, type Summary } from '../lib/measure.js';

import { RUNS, LARGE, record, type Bench } from './bench.js';
/** Streamed upload with Content-Length and chunked, download beside direct access and a bare pipe proxy */
export async function largeObjects(b: Bench) {
  const { s3, bucket, main, pid, rss, http, auth, obj, say } = b;
  say('large objects');
  const label = `${LARGE / MiB} MiB`;
  const gatewayPut = (key: string, headers: Record<string, string>) => async () =>
    mbps(
      LARGE,
      await timed(async () => {
        const res = await http.request({ method: 'PUT', path: obj(key), headers: { ...auth, ...headers }, body: bytes(LARGE) });
        if (res.statusCode !== 201) throw new Error(`large PUT ${res.statusCode} ${await res.body.text()}`);
        await drain(res.body);
      }),
    );
  rss.phase('uploadContentLength');
  let r: Record<string, Summary> = await alternate(RUNS, {
    gateway: gatewayPut('large-gateway', { 'content-length': String(LARGE) }),
    direct: async () => mbps(LARGE, await timed(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large-direct', Body: bytes(LARGE), ContentLength: LARGE })))),
  });
  record(`upload ${label}, Content-Length`, 'MB/s', 'higher', r.gateway, r.direct, 'direct (AWS SDK)');
  rss.phase('uploadChunked');
  r = await alternate(RUNS, {
    gateway: gatewayPut('large-chunked', {}),
    direct: async () => mbps(LARGE, await timed(() => new Upload({ client: s3, params: { Bucket: bucket, Key: 'large-chunked-direct', Body: bytes(LARGE) }, partSize: 5 * MiB, queueSize: 2 }).done())),
  });
  record(`upload ${label}, chunked`, 'MB/s', 'higher', r.gateway, r.direct, 'direct (lib-storage, same parts)');
  rss.phase('download');
  // Every side reads the same object, the one the gateway uploaded (a multipart upload: RGW may serve it
  // at another pace than an object written by one PutObject).
  const proxy = await pipeProxy(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'large-gateway' }), { expiresIn: 3600 }), 'url');
  const fetchAll = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    if ((await drain(res.body as unknown as AsyncIterable<Buffer>)) !== LARGE) throw new Error(`short download from ${url}`);
  };
  // What each download costs the serving process, per MiB: CPU (user + system) and minor page faults.
  const cost = { gatewayCpu: [] as number[], gatewayFaults: [] as number[], pipeCpu: [] as number[], pipeFaults: [] as number[] };
  const costed = async (of: number, side: 'gateway' | 'pipe', fn: () => Promise<number>) => {
    const [cpu0, faults0] = [cpuMsOf(of), minorFaultsOf(of)];
    const value = await fn();
    cost[`${side}Cpu`].push(round((cpuMsOf(of) - cpu0) / (LARGE / MiB), 2));
    cost[`${side}Faults`].push(round((minorFaultsOf(of) - faults0) / (LARGE / MiB), 1));
    return value;
  };
  r = await alternate(RUNS, {
    gateway: () => costed(pid, 'gateway', async () => mbps(LARGE, await timed(() => fetchAll(`${main.base}${obj('large-gateway')}`, auth)))),
    pipe: () => costed(proxy.pid, 'pipe', async () => mbps(LARGE, await timed(() => fetchAll(proxy.url)))),
    direct: async () =>
      mbps(
        LARGE,
        await timed(async () => {
          const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large-gateway' }));
          if ((await drain(out.Body as Readable)) !== LARGE) throw new Error('short download');
        }),
      ),
  });
  proxy.stop();
  record(`download ${label}`, 'MB/s', 'higher', r.gateway, r.pipe, 'bare Node pipe proxy (same client)', {
    direct: r.direct,
    gatewayCpuMsPerMiB: summary(cost.gatewayCpu),
    pipeCpuMsPerMiB: summary(cost.pipeCpu),
    gatewayMinorFaultsPerMiB: summary(cost.gatewayFaults),
    pipeMinorFaultsPerMiB: summary(cost.pipeFaults),
  });
  for (const k of ['large-gateway', 'large-direct', 'large-chunked', 'large-chunked-direct']) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
}
