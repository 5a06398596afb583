import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { alternate, bytes, cpuMsOf, drain, load, mbps, MiB, round, summary, timed, type Summary } from '../lib/measure.js';
import { pipeProxy } from '../lib/pipe-proxy.js';

import { CONCURRENCY, RUNS, SMALL_REQUESTS, DOOR_LARGE, record, type Bench } from './bench.js';

/**
 * The S3 door: 1 KiB GET and PUT and large transfers through the SDK, beside the same SDK on RGW and
 * through a bare Node proxy of its requests to RGW (the floor of any proxy: the hop, no checks).
 */
export async function doorPhase(b: Bench) {
  const { s3, bucket, endpoint, user, main, pid, rss, small, adminToken, say, gatewaySide, rps, WARM } = b;
  say('S3 door');
  rss.phase('door');
  const s3Key = (await (await fetch(`${main.base}/admin/tenants/bench/s3-keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
    accessKeyId: string;
    secretAccessKey: string;
  };
  const sdkDefaults = (url: string, credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials, requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) }) });
  const viaDoor = sdkDefaults(main.s3Base, s3Key);
  const onRgw = sdkDefaults(endpoint, { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey });
  const proxy = await pipeProxy(endpoint, 'origin');
  const viaProxy = sdkDefaults(proxy.url, { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey });
  const sdkGet = (client: S3Client) => async (i: number) => void (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `small/${i % 100}` }))).Body!.transformToByteArray());
  await load(WARM, CONCURRENCY, sdkGet(viaDoor));
  await load(WARM, CONCURRENCY, sdkGet(onRgw));
  await load(WARM, CONCURRENCY, sdkGet(viaProxy));
  let r: Record<string, Summary> = await alternate(RUNS, {
    gateway: gatewaySide('door GET 1 KiB, c=32', SMALL_REQUESTS / 2, CONCURRENCY, sdkGet(viaDoor)),
    direct: rps(SMALL_REQUESTS / 2, CONCURRENCY, sdkGet(onRgw)),
    proxy: rps(SMALL_REQUESTS / 2, CONCURRENCY, sdkGet(viaProxy)),
  });
  record('door GET 1 KiB, c=32', 'req/s', 'higher', r.gateway, r.direct, 'direct (same SDK client)', { proxy: r.proxy });
  const sdkPut = (client: S3Client, tag: string) => async (i: number) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: `put/${tag}${i % 200}`, Body: small })));
  r = await alternate(RUNS, {
    gateway: gatewaySide('door PUT 1 KiB, c=32', SMALL_REQUESTS / 2, CONCURRENCY, sdkPut(viaDoor, 's')),
    direct: rps(SMALL_REQUESTS / 2, CONCURRENCY, sdkPut(onRgw, 'r')),
    proxy: rps(SMALL_REQUESTS / 2, CONCURRENCY, sdkPut(viaProxy, 'p')),
  });
  record('door PUT 1 KiB, c=32', 'req/s', 'higher', r.gateway, r.direct, 'direct (same SDK client)', { proxy: r.proxy });
  const doorLabel = `${DOOR_LARGE / MiB} MiB`;
  // lib-storage with its defaults (5 MiB parts, 4 at a time) is how SDK users upload large bodies.
  const sdkUpload = (client: S3Client, key: string) => async () => mbps(DOOR_LARGE, await timed(() => new Upload({ client, params: { Bucket: bucket, Key: key, Body: bytes(DOOR_LARGE) } }).done()));
  const sdkDownload = (client: S3Client, key: string) => async () =>
    mbps(
      DOOR_LARGE,
      await timed(async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((await drain(out.Body as Readable)) !== DOOR_LARGE) throw new Error('short download');
      }),
    );
  // What each transfer costs the door's process and the bare proxy's, in CPU ms per MiB.
  const cpu: Record<string, number[]> = {};
  const costed = (of: number, name: string, fn: () => Promise<number>) => async () => {
    const before = cpuMsOf(of);
    const value = await fn();
    (cpu[name] ??= []).push(round((cpuMsOf(of) - before) / (DOOR_LARGE / MiB), 2));
    return value;
  };
  const large = async (what: 'upload' | 'download', run: typeof sdkUpload) => {
    r = await alternate(RUNS, {
      gateway: costed(pid, `gateway ${what}`, run(viaDoor, 'door-large')),
      direct: run(onRgw, 'door-large-direct'),
      proxy: costed(proxy.pid, `proxy ${what}`, run(viaProxy, 'door-large-proxy')),
    });
    record(`door ${what} ${doorLabel}`, 'MB/s', 'higher', r.gateway, r.direct, 'direct (same SDK client)', {
      proxy: r.proxy,
      gatewayCpuMsPerMiB: summary(cpu[`gateway ${what}`]),
      proxyCpuMsPerMiB: summary(cpu[`proxy ${what}`]),
    });
  };
  await large('upload', sdkUpload);
  await large('download', sdkDownload);
  for (const k of ['door-large', 'door-large-direct', 'door-large-proxy']) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
  proxy.stop();
  viaProxy.destroy();
  viaDoor.destroy();
  onRgw.destroy();
}
