import t from 'tap';
import WebSocket from 'ws';
import { createTenant, listen, testApp } from '../helpers/app.js';
import { rawRequest as raw } from '../helpers/http.js';

const INTROSPECT = '{__schema{queryType{name}}}';

/** Regression tests of the attacker's findings against GraphQL (issue 10, §5 items 2, 9, 10). */
t.test('GraphQL under hostile input', async (t) => {
  const logs: string[] = [];
  const app = await testApp(t, { env: { S3GATE_GRAPHQL_INIT_WAIT_MS: '300' }, logStream: { write: (l) => void logs.push(l) } });
  const key = await createTenant(app, { id: 'hostile', driver: 'disk' });
  const base = await listen(app);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    raw(base, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const codeOf = (body: string) => (JSON.parse(body) as { errors?: { extensions: { code: string } }[] }).errors?.[0]?.extensions.code;

  t.test('an Upgrade: websocket header on a plain request does not skip authentication', async (t) => {
    const res = await post({ query: INTROSPECT }, { upgrade: 'websocket' });
    t.equal(res.status, 401, res.body);
    t.equal(codeOf(res.body), 'S3GATE_UNAUTHORIZED');
    t.notMatch(res.body, /queryType/, 'no data');
    const get = await raw(base, { method: 'GET', path: `/graphql?query=${encodeURIComponent(INTROSPECT)}`, headers: { 'mercurius-require-preflight': '1', upgrade: 'websocket' } });
    t.equal(get.status, 401, 'a GET that passes the CSRF check with a preflight header still needs a key');
    const getPlain = await raw(base, { method: 'GET', path: `/graphql?query=${encodeURIComponent(INTROSPECT)}`, headers: { 'mercurius-require-preflight': '1' } });
    t.equal(getPlain.status, 401);
  });

  t.test('10,000 aliases of introspection: refused without a key, and refused as too costly with one', async (t) => {
    const query = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __schema { queryType { name } }`).join(' ')} }`;
    const anon = await post({ query }, { upgrade: 'websocket' });
    t.equal(anon.status, 401);
    const started = Date.now();
    const keyed = await post({ query }, { authorization: `Bearer ${key}` });
    t.equal(keyed.status, 400, keyed.body.slice(0, 300));
    t.equal(codeOf(keyed.body), 'S3GATE_GRAPHQL_TOO_COSTLY');
    t.ok(keyed.body.length < 2000, `a short answer (${keyed.body.length} bytes)`);
    t.comment(`refused in ${Date.now() - started} ms`);
  });

  t.test('aliases past the limit are refused before anything runs', async (t) => {
    const query = `mutation { ${Array.from({ length: 101 }, (_, i) => `b${i}: createBucket(name: "alias-${i}") { created }`).join(' ')} }`;
    const res = await post({ query }, { authorization: `Bearer ${key}` });
    t.equal(res.status, 400);
    t.equal(codeOf(res.body), 'S3GATE_GRAPHQL_TOO_COSTLY');
    t.match(JSON.parse(res.body).errors[0].message, /101 aliased fields; at most 100/);
    const buckets = await post({ query: '{ buckets { name } }' }, { authorization: `Bearer ${key}` });
    t.same(JSON.parse(buckets.body).data.buckets, [], 'no bucket was created');
  });

  t.test('text(maxBytes: 1 MiB) aliases cannot build a huge answer', async (t) => {
    await post({ query: 'mutation { createBucket(name: "texts") { created } }' }, { authorization: `Bearer ${key}` });
    const fields = Array.from({ length: 20 }, (_, i) => `t${i}: text(maxBytes: 1048576)`).join(' ');
    const res = await post({ query: `{ object(bucket: "texts", key: "k") { ${fields} } }` }, { authorization: `Bearer ${key}` });
    t.equal(res.status, 400);
    t.equal(codeOf(res.body), 'S3GATE_GRAPHQL_TOO_COSTLY');
    t.match(JSON.parse(res.body).errors[0].message, /estimated cost is \d+, over the limit of 10000/);
    const one = await post({ query: `{ object(bucket: "texts", key: "k") { text(maxBytes: 1048576) } }` }, { authorization: `Bearer ${key}` });
    t.equal(one.status, 200, 'one such field is allowed');
  });

  t.test('page sizes in variables count with their real value', async (t) => {
    const q = 'query($n: Int) { bucket(name: "texts") { objects(first: $n) { edges { node { key text } } } } }';
    const small = await post({ query: q, variables: { n: 10 } }, { authorization: `Bearer ${key}` });
    t.equal(small.status, 200, small.body);
    const big = await post({ query: q, variables: { n: 1000 } }, { authorization: `Bearer ${key}` });
    t.equal(codeOf(big.body), 'S3GATE_GRAPHQL_TOO_COSTLY', '1000 objects × 64 KiB of text each is refused');
  });

  t.test('a full page of 1000 objects with every field but text is allowed', async (t) => {
    const q =
      '{ bucket(name: "texts") { objects(first: 1000) { edges { cursor node { bucket key size etag lastModified contentType metadata downloadUrl } } prefixes pageInfo { hasNextPage endCursor } } } }';
    const res = await post({ query: q }, { authorization: `Bearer ${key}` });
    t.equal(res.status, 200, res.body.slice(0, 200));
  });

  t.test('the full introspection query of GraphiQL and codegen tools is allowed', async (t) => {
    const { getIntrospectionQuery } = await import('graphql');
    const res = await post({ query: getIntrospectionQuery() }, { authorization: `Bearer ${key}` });
    t.equal(res.status, 200);
    t.ok(JSON.parse(res.body).data.__schema.types.length > 10);
  });

  t.test('distinct large documents cannot fill memory: text, tokens and kept documents are bounded', async (t) => {
    const over = await post({ query: `{ buckets { name } } # ${'x'.repeat(70_000)}` }, { authorization: `Bearer ${key}` });
    t.equal(codeOf(over.body), 'S3GATE_GRAPHQL_TOO_COSTLY');
    t.match(JSON.parse(over.body).errors[0].message, /at most 65536 are allowed.*variables/);
    const tokens = await post({ query: `{ buckets { name ${'name '.repeat(12_000)} } }` }, { authorization: `Bearer ${key}` });
    t.equal(codeOf(tokens.body), 'S3GATE_GRAPHQL_INVALID');
    t.match(JSON.parse(tokens.body).errors[0].message, /more th(at|an) 10000 tokens/);
    const v8 = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    v8.setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    // 600 distinct documents of 60 KB: 36 MB of text, kept whole by an unbounded or large cache.
    for (let i = 0; i < 600; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => post({ query: `{ buckets { name } } # ${i + j} ${'x'.repeat(60_000)}` }, { authorization: `Bearer ${key}` })));
    }
    gc();
    const grown = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    t.ok(grown < 25, `the heap grew by ${grown.toFixed(1)} MB (at most 128 documents are kept)`);
  });

  t.test('a WebSocket that never sends connection_init is closed with 4408', async (t) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    t.equal(closed.code, 4408);
    t.match(closed.reason, /initialisation timeout/);
  });

  t.test('refusals are not logged as server errors', async (t) => {
    const errorsLogged = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    t.same(errorsLogged, [], 'no line at error level');
  });

  t.test('GraphiQL does not persist the Authorization header', async (t) => {
    const script = await (await fetch(`${base}/graphiql/main.js`)).text();
    t.match(script, /shouldPersistHeaders: false/);
    t.match(script, /removeItem/, 'and removes what an older page kept');
    t.notMatch(script, /shouldPersistHeaders: true/);
    const page = await fetch(`${base}/graphiql`);
    t.equal(page.status, 200);
    t.match(await page.text(), /graphiql\/main\.js/);
  });
});
