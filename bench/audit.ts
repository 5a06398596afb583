// npm run bench:audit: issue 29's second audit, tried again from outside as an attacker would, against
// the gateway built and started as `npm start` starts it (embedded defaults: SQLite, local disk). Each
// finding is replayed with real HTTP, S3 and WebSocket clients; what the gateway answered and what it
// cost (its RSS, another tenant's latency meanwhile) is printed and written to bench/results/audit-*.json.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import WebSocket from 'ws';
import { Sha256 } from '../src/s3/sha256.js';
import { startFlags, startGateway } from './gateway.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const ADMIN = 'audit-admin-token';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const MB = 1024 * 1024;
const results: Record<string, unknown> = {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10 : NaN;
};
const rssOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
};

/** `npm run bench:audit -- --only 3,4`: just those findings (the gateway's start and the tenants always). */
const only = process.argv.includes('--only') ? new Set(process.argv[process.argv.indexOf('--only') + 1].split(',')) : undefined;
const wanted = (n: string) => !only || only.has(n);

/** A query string encoded as SigV4 signs it (RFC 3986: URLSearchParams's `+` for a space would not match). */
const sigv4Query = (q: Record<string, string>) =>
  Object.entries(q)
    .map(([k, v]) => [k, v].map((x) => encodeURIComponent(x).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('='))
    .join('&');

function record(name: string, value: unknown) {
  results[name] = value;
  console.log(`${name}: ${JSON.stringify(value)}`);
}

/** Latencies (ms) of `fn` called one after another for `ms`. */
async function latencies(ms: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const out: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return { p50: quantile(out, 0.5), p99: quantile(out, 0.99), max: Math.round(Math.max(...out)), n: out.length };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 's3gate-audit-'));
  const gw = await startGateway({ dataDir, env: { S3GATE_ADMIN_TOKEN: ADMIN } });
  const pid = gw.child.pid!;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const h = { ...headers };
    if (body === undefined) delete h['content-type'];
    const res = await fetch(gw.base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown>, headers: res.headers };
  };
  const tenant = async (id: string, limits?: Record<string, number>) => {
    const made = (await api('POST', '/admin/tenants', { id, driver: 'disk', ...(limits && { limits }) })).json();
    const s3 = (await api('POST', `/admin/tenants/${id}/s3-keys`)).json() as { accessKeyId: string; secretAccessKey: string };
    const key = made.apiKey as string;
    const auth = { authorization: `Bearer ${key}` };
    await api('PUT', `/v1/buckets/${id}-bkt`, undefined, auth);
    return { id, key, auth, s3, bucket: `${id}-bkt` };
  };
  const a = await tenant('attacker');
  const b = await tenant('bystander');
  await api('PUT', `/v1/buckets/${b.bucket}/objects/small.txt`, 'x'.repeat(1024), b.auth);
  const bGet = () => fetch(`${gw.base}/v1/buckets/${b.bucket}/objects/small.txt`, { headers: b.auth }).then((r) => r.arrayBuffer());
  const bPut = (i: number) => fetch(`${gw.base}/v1/buckets/${b.bucket}/objects/p${i % 50}`, { method: 'PUT', headers: b.auth, body: 'x'.repeat(1024) }).then((r) => r.arrayBuffer());
  record('rss at start (MB)', rssOf(pid));

  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: a.s3, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const s3u = new URL(gw.s3Base);
  const doorPost = async (query: string, body: string) => {
    const u = new URL(gw.s3Base);
    const req = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path: `/${a.bucket}`,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers: { host: u.host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), 'content-length': String(Buffer.byteLength(body)) },
    });
    // The door refuses a body of too many elements after its first 64 KiB and closes the connection:
    // the client, still sending, may see that as a failed write rather than the answer.
    const res = await fetch(`${gw.s3Base}/${a.bucket}?${query}`, { method: 'POST', headers: req.headers as Record<string, string>, body }).catch((err: Error) => err);
    if (res instanceof Error) return { status: 0, code: `connection closed while sending (${(res.cause as { code?: string } | undefined)?.code ?? res.message})` };
    return { status: res.status, code: /<Code>(\w+)/.exec(await res.text())?.[1] };
  };

  // 1. A presigned PUT turned into a copy with an unsigned x-amz-copy-source.
  if (wanted('1')) {
    await api('PUT', `/v1/buckets/${a.bucket}/objects/private/payroll.csv`, 'alice,100000', a.auth);
    const presigned = await signer.presign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: s3u.hostname,
        port: Number(s3u.port),
        path: `/${a.bucket}/upload/u1.txt`,
        query: {},
        headers: { host: s3u.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn: 300 },
    );
    const presignedUrl = `${gw.s3Base}/${a.bucket}/upload/u1.txt?${sigv4Query(presigned.query as Record<string, string>)}`;
    const copied = await fetch(presignedUrl, { method: 'PUT', headers: { 'x-amz-copy-source': `${a.bucket}/private/payroll.csv` }, body: '' });
    const copiedCode = /<Code>(\w+)/.exec(await copied.text())?.[1];
    const copiedObjectExists = (await api('HEAD', `/v1/buckets/${a.bucket}/objects/upload/u1.txt`, undefined, a.auth)).status === 200;
    const asMade = await fetch(presignedUrl, { method: 'PUT', body: 'mine' });
    record('1 presigned PUT + x-amz-copy-source', { status: copied.status, code: copiedCode, copiedObjectExists, theUrlAsMade: asMade.status });
  }

  // 2. Unauthenticated ingest: 100, then 300 more, held connections with a wrong token and a 4 MB body.
  if (wanted('2')) {
    const hold = (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<{ socket: net.Socket; status: number; closed: boolean }>((resolve) => {
              const socket = net.connect(Number(new URL(gw.base).port), '127.0.0.1', () => {
                socket.write(`POST /ingest/s3/ing_wrong HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n`);
                socket.write(Buffer.alloc(MB, 0x20));
              });
              let text = '';
              const r = { socket, status: 0, closed: false };
              socket.on('data', (d) => {
                text += d;
                r.status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
              });
              socket.on('close', () => (r.closed = true));
              socket.on('error', () => {});
              setTimeout(() => resolve(r), 2000);
            }),
        ),
      );
    const rss0 = rssOf(pid);
    const first = await hold(100);
    const rss100 = rssOf(pid);
    const more = await hold(300);
    const rss400 = rssOf(pid);
    for (const c of [...first, ...more]) c.socket.destroy();
    await sleep(1000);
    const statuses = [...first, ...more].reduce<Record<string, number>>((m, c) => ((m[`${c.status} closed=${c.closed}`] = (m[`${c.status} closed=${c.closed}`] ?? 0) + 1), m), {});
    record('2 ingest with a wrong token, 4 MB bodies held', { answers: statuses, rssMB: { before: rss0, after100: rss100, after400: rss400, afterClose: rssOf(pid) } });
  }

  // 3. Ingest flood of one tenant beside another's PUTs; and a tenant with requestsPerSecond 2.
  if (wanted('3')) {
    const { path: ingestPath } = (await api('POST', `/admin/tenants/${a.id}/ingest-token`)).json() as { path: string };
    let seq = 0;
    const notification = () =>
      JSON.stringify({
        Records: Array.from({ length: 100 }, () => ({
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: a.bucket }, object: { key: `flood/${seq}`, size: 1, eTag: 'e', sequencer: (seq++).toString(16) } },
        })),
      });
    let i = 0;
    const before = await latencies(5000, () => bPut(i++));
    let flooding = true;
    let floodEvents = 0;
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (flooding) {
          const r = await fetch(gw.base + ingestPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: notification() });
          if (r.ok) floodEvents += ((await r.json()) as { accepted: number }).accepted;
          else await r.arrayBuffer();
        }
      }),
    );
    const during = await latencies(10_000, () => bPut(i++));
    const duringGet = await latencies(5_000, bGet);
    flooding = false;
    await flood;
    const limited = await tenant('limited', { requestsPerSecond: 2, burst: 4 });
    const { path: limitedPath } = (await api('POST', `/admin/tenants/${limited.id}/ingest-token`)).json() as { path: string };
    const limitedStatuses: Record<string, number> = {};
    const t0 = Date.now();
    for (let n = 0; n < 50; n++) {
      const r = await fetch(gw.base + limitedPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: notification().replaceAll(a.bucket, limited.bucket) });
      limitedStatuses[r.status] = (limitedStatuses[r.status] ?? 0) + 1;
      await r.arrayBuffer();
    }
    record("3 ingest flood (8 connections, 100 records each) beside another tenant's 1 KiB PUTs", {
      putMs: { before, during },
      getMsDuring: duringGet,
      floodEventsRecorded: floodEvents,
      rateLimitedTenant50Requests: { statuses: limitedStatuses, seconds: (Date.now() - t0) / 1000 },
    });
  }

  // 4. Four DeleteObjects of a million empty elements beside another tenant's GETs.
  if (wanted('4')) {
    const bomb = `<Delete>${'<a/>'.repeat(1_000_000)}</Delete>`;
    const getBefore = await latencies(3000, bGet);
    let bombing = true;
    const bombs = Promise.all(
      Array.from({ length: 4 }, async () => {
        const answers: string[] = [];
        while (bombing) {
          const r = await doorPost('delete=', bomb);
          answers.push(`${r.status} ${r.code}`);
        }
        return answers;
      }),
    );
    const getDuring = await latencies(10_000, bGet);
    bombing = false;
    const answers = (await bombs).flat();
    record("4 DeleteObjects of 4 MB of empty elements, 4 at a time, beside another tenant's GETs", {
      getMs: { before: getBefore, during: getDuring },
      answers: [...new Set(answers)],
      requests: answers.length,
    });
  }

  // 12. DeleteObjects names a key with character references.
  if (wanted('12')) {
    for (const k of ['&A<', '&&#x41;<']) await api('PUT', `/v1/buckets/${a.bucket}/objects/${encodeURIComponent(k)}`, 'k', a.auth);
    const refused = await doorPost('delete=', '<Delete><Object><Key>&amp;&#x41;&#0;&lt;</Key></Object></Delete>');
    const deleted = await doorPost('delete=', '<Delete><Object><Key>&amp;&#x41;&lt;</Key></Object></Delete>');
    const left = ((await api('GET', `/v1/buckets/${a.bucket}/objects?prefix=%26`, undefined, a.auth)).json().objects as { key: string }[]).map((o) => o.key);
    record('12 DeleteObjects <Key>&amp;&#x41;&#0;&lt;</Key>, then &amp;&#x41;&lt;', { withNul: refused, without: deleted, keysLeft: left });
  }

  // 5. One presigned tus creation URL, used 950 times.
  if (wanted('5')) {
    const tusUrl = (
      (await api('POST', '/v1/presign', { bucket: a.bucket, key: 'tus/once.bin', method: 'TUS', expiresIn: 600 }, { ...a.auth, 'content-type': 'application/json' })).json() as { url: string }
    ).url;
    const locations = new Map<string, number>();
    for (let n = 0; n < 950; n++) {
      const r = await fetch(tusUrl, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': String(5 * 1024 ** 3) } });
      const where = `${r.status} ${r.headers.get('location')?.split('?')[0].split('/').pop() ?? ''}`;
      locations.set(where, (locations.get(where) ?? 0) + 1);
      await r.arrayBuffer();
    }
    record('5 one presigned tus creation URL, 950 creations', { answers: Object.fromEntries(locations) });
  }

  // 8, 9, 10. Content types.
  if (wanted('8')) {
    const doorPut = async (contentType: string) => {
      const u = new URL(gw.s3Base);
      const req = await signer.sign({
        method: 'PUT',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: `/${a.bucket}/ct`,
        query: {},
        headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-type': contentType, 'content-length': '1' },
      });
      const res = await fetch(`${gw.s3Base}/${a.bucket}/ct`, { method: 'PUT', headers: req.headers as Record<string, string>, body: 'x' });
      return `${res.status}${res.ok ? '' : ' ' + /<Code>(\w+)/.exec(await res.text())?.[1]}`;
    };
    const door8: Record<string, string> = {};
    for (const ct of ['x', 'a b', 'text/', 'image/x"']) door8[ct] = await doorPut(ct);
    const getSigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: s3u.hostname,
        port: Number(s3u.port),
        path: `/${a.bucket}/ct`,
        query: { 'response-content-type': 'text/plain\r\nX-Injected: 1' },
        headers: { host: s3u.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn: 60 },
    );
    const crlf = await fetch(`${gw.s3Base}/${a.bucket}/ct?${sigv4Query(getSigned.query as Record<string, string>)}`);
    record('8 door PUT with odd content types; presigned GET with CR/LF in response-content-type', {
      puts: door8,
      crlfOverride: `${crlf.status} ${/<Code>(\w+)/.exec(await crlf.text())?.[1]} ${crlf.headers.get('content-type')}`,
    });
    const tusBad = await fetch(`${gw.base}/v1/uploads`, {
      method: 'POST',
      headers: {
        ...a.auth,
        'tus-resumable': '1.0.0',
        'upload-length': '1',
        'upload-metadata': `bucket ${Buffer.from(a.bucket).toString('base64')},key ${Buffer.from('t.txt').toString('base64')},contentType ${Buffer.from('text/plain\u2028').toString('base64')}`,
      },
    });
    const gqlBad = await api(
      'POST',
      '/graphql',
      { query: 'mutation($t: String) { putObject(bucket: "attacker-bkt", key: "g.txt", content: "x", contentType: $t) { key } }', variables: { t: 'text/plain\u2028' } },
      { ...a.auth, 'content-type': 'application/json' },
    );
    record('9 tus and GraphQL content types with U+2028', {
      tus: `${tusBad.status} ${((await tusBad.json()) as { code: string }).code}`,
      graphql: (gqlBad.json().errors as { extensions: { code: string } }[])?.[0]?.extensions.code,
    });
    await api('PUT', `/v1/buckets/${a.bucket}/objects/comma.html`, '<script>1</script>', { ...a.auth, 'content-type': 'image/png; charset=x, text/html' });
    const comma = await api('GET', `/v1/buckets/${a.bucket}/objects/comma.html`, undefined, a.auth);
    record('10 image/png; charset=x, text/html', { contentDisposition: comma.headers.get('content-disposition'), csp: comma.headers.get('content-security-policy') });
  }

  // 11. GraphQL subscriptions: 500 that never read, 400 writes; then 3,000 of one tenant.
  if (wanted('11')) {
    const ws = gw.base.replace(/^http/, 'ws') + '/graphql';
    const subscriber = (key: string, subs: number, read: boolean) =>
      new Promise<{ socket: WebSocket; refused: number }>((resolve) => {
        const socket = new WebSocket(ws, 'graphql-transport-ws');
        const out = { socket, refused: 0 };
        socket.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; payload?: unknown };
          if (m.type === 'connection_ack') {
            for (let n = 0; n < subs; n++) socket.send(JSON.stringify({ id: String(n), type: 'subscribe', payload: { query: 'subscription { objectEvents { id type data { key } } }' } }));
            setTimeout(() => {
              if (!read) (socket as unknown as { _socket: net.Socket })._socket.pause();
              resolve(out);
            }, 500);
          }
          if (m.type === 'error' && JSON.stringify(m.payload).includes('S3GATE_TOO_MANY_SUBSCRIPTIONS')) out.refused++;
        });
        socket.on('error', () => {});
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
      });
    const subsRss0 = rssOf(pid);
    // Five tenants of 100 each (a tenant may hold 100 in a process), and one more socket of a's, refused.
    const sleepTenants = [a, ...(await Promise.all([1, 2, 3, 4].map((n) => tenant(`sleeper${n}`))))];
    const sleepers = await Promise.all([...sleepTenants.map((x) => subscriber(x.key, 100, false)), subscriber(a.key, 100, false)]);
    for (const x of sleepTenants) for (let n = 0; n < 400; n++) await api('PUT', `/v1/buckets/${x.bucket}/objects/w${n}-${'k'.repeat(900)}`, 'x', x.auth);
    await sleep(2000);
    const subsRss400 = rssOf(pid);
    const metrics = (await api('GET', '/metrics', undefined, {})).text;
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
    record('11a 500 subscriptions that do not read (5 tenants), then 400 writes of each tenant', {
      refused: sleepers.reduce((s, x) => s + x.refused, 0),
      rssMB: { before: subsRss0, after: subsRss400 },
      liveSubscriptions: gauge('s3gate_graphql_subscriptions'),
      openSockets: gauge('s3gate_graphql_sockets'),
    });
    for (const s of sleepers) s.socket.terminate();
    await sleep(500);
    const getQuiet = await latencies(3000, bGet);
    const readers = await Promise.all(Array.from({ length: 30 }, () => subscriber(a.key, 100, true)));
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) await api('PUT', `/v1/buckets/${a.bucket}/objects/r${n % 100}`, 'x', a.auth);
    })();
    const getBusy = await latencies(10_000, bGet);
    writing = false;
    await writer;
    record("11b 3,000 reading subscriptions of one tenant (30 sockets of 100) beside its writes and another tenant's GETs", {
      refused: readers.reduce((s, x) => s + x.refused, 0),
      getMs: { quiet: getQuiet, busy: getBusy },
    });
    for (const r of readers) r.socket.terminate();
  }

  // 6. The state on disk.
  if (wanted('6')) {
    const modes: Record<string, number> = {};
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        const st = statSync(p);
        const mode = (st.mode & 0o777).toString(8);
        modes[mode] = (modes[mode] ?? 0) + 1;
        if (st.isDirectory()) walk(p);
      }
    };
    walk(dataDir);
    record('6 modes of the data directory and everything in it', { dataDir: (statSync(dataDir).mode & 0o777).toString(8), entries: modes });
  }

  await gw.stop();

  // 7. The banner of a first start with stdout a pipe and JSON logs.
  if (wanted('7')) {
    const bannerDir = mkdtempSync(join(tmpdir(), 's3gate-audit-banner-'));
    const banner = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [...startFlags(), join(root, 'dist/src/server.js')], {
        env: { PATH: process.env.PATH, S3GATE_DATA_DIR: bannerDir, PORT: '0', S3GATE_S3_PORT: '0', S3GATE_LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      setTimeout(() => {
        child.kill('SIGTERM');
        resolve(out);
      }, 5000);
    });
    record('7 first start, stdout a pipe, JSON logs', {
      printsAdminToken: /s3ga_/.test(banner),
      printsApiKey: /s3g_/.test(banner),
      printsS3Secret: /S3G[A-Z2-7]{17} \//.test(banner),
      says: banner
        .split('\n')
        .filter((l) => /admin token|created|new (API|S3) key/.test(l))
        .map((l) => l.trim()),
    });
  }

  if (only) return;
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
  console.log(`\nwritten to ${file}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
