import t from 'tap';
import { createTenant, listen, testApp } from '../helpers/app.js';
import { gqlClient } from '../helpers/graphql.js';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
}

/** Limits and refusals: each a GraphQL error with a code, never a 500, never a stack trace. */
t.test('safety', async (t) => {
  const app = await testApp(t, { env: { S3GATE_GRAPHQL_MAX_LOOKUPS: '3', S3GATE_GRAPHQL_MAX_DEPTH: '5' } });
  const key = await createTenant(app, { id: 'safe', driver: 'disk' });
  const base = await listen(app);
  const gql = gqlClient(base, key);
  t.equal((await gql(`mutation { createBucket(name: "safe-bkt") { created } }`)).status, 200);
  for (const k of ['a', 'b', 'c', 'd']) await gql(`mutation($k: String!) { putObject(bucket: "safe-bkt", key: $k, content: "x") { key } }`, { k });

  const answers: Answer[] = [];
  const send = async (init: RequestInit, path = '/graphql'): Promise<Answer> => {
    const res = await fetch(base + path, init);
    const answer = { status: res.status, body: (await res.json()) as Answer['body'] };
    answers.push(answer);
    return answer;
  };
  const json = (body: unknown, headers: Record<string, string> = {}) =>
    send({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body) });
  const code = (a: Answer) => a.body.errors?.[0]?.extensions.code;

  t.test('a query deeper than the limit is refused before it runs', async (t) => {
    t.equal((await json({ query: '{ buckets { objects { edges { node { key } } } } }' })).status, 200, 'depth 5 runs');
    const deep = await json({ query: 'mutation { createBucket(name: "deep-bkt") { bucket { objects { edges { node { key } } } } } }' });
    t.equal(deep.status, 400);
    t.equal(code(deep), 'S3GATE_GRAPHQL_INVALID');
    t.match(deep.body.errors![0].message, /depth/);
    t.same((await gql('{ bucket(name: "deep-bkt") { name } }')).data, { bucket: null }, 'the mutation did not run');
    const viaFragment = await json({ query: 'mutation { ...M } fragment M on Mutation { createBucket(name: "deep-bkt") { bucket { objects { edges { node { key } } } } } }' });
    t.equal(viaFragment.status, 400, 'fragments do not hide depth');
  });

  t.test('pages are at most 1000', async (t) => {
    const res = await json({ query: '{ bucket(name: "safe-bkt") { objects(first: 1001) { prefixes } } }' });
    t.equal(code(res), 'S3GATE_VALIDATION');
    t.match(res.body.errors![0].message, /first must be from 1 to 1000/);
    t.equal(code(await json({ query: '{ events(first: 0) { pageInfo { hasNextPage } } }' })), 'S3GATE_VALIDATION');
  });

  t.test('object lookups per request are capped', async (t) => {
    const res = await json({ query: '{ bucket(name: "safe-bkt") { objects { edges { node { contentType } } } } }' });
    t.equal(res.status, 200);
    const codes = (res.body.errors ?? []).map((e) => e.extensions.code);
    t.same(codes, ['S3GATE_TOO_MANY_LOOKUPS'], 'the fourth object of a limit of 3 gets the error, the others their value');
  });

  t.test('bad GraphQL gets a GraphQL error, not a 500', async (t) => {
    const syntax = await json({ query: '{ buckets { name ' });
    t.same([syntax.status, code(syntax)], [400, 'S3GATE_GRAPHQL_INVALID']);
    t.match(syntax.body.errors![0].message, /Syntax Error/);
    const field = await json({ query: '{ buckets { nam } }' });
    t.same([field.status, code(field)], [400, 'S3GATE_GRAPHQL_INVALID']);
    t.match(field.body.errors![0].message, /Did you mean "name"/);
    const variable = await json({ query: 'query($n: Int!) { events(first: $n) { pageInfo { hasNextPage } } }', variables: { n: 'ten' } });
    t.same([variable.status, code(variable)], [400, 'S3GATE_GRAPHQL_INVALID']);
    const scalar = await json({ query: 'query($s: DateTime) { events(since: $s) { pageInfo { hasNextPage } } }', variables: { s: 'yesterday' } });
    t.equal(code(scalar), 'S3GATE_GRAPHQL_INVALID');
    t.match(scalar.body.errors![0].message, /ISO 8601/);
    const noQuery = await json({});
    t.equal(noQuery.status, 400, JSON.stringify(noQuery.body));
    t.ok(code(noQuery), 'a body without a query has a code');
    const notJson = await send({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"query": ' });
    t.same([notJson.status, code(notJson)], [400, 'S3GATE_INVALID_JSON']);
    const batch = await json([{ query: '{ buckets { name } }' }, { query: '{ buckets { name } }' }]);
    t.equal(batch.status, 400, 'batched queries are off');
  });

  t.test('queries also run over GET; mutations do not', async (t) => {
    const q = encodeURIComponent('{ buckets { name } }');
    const get = await send({ headers: { authorization: `Bearer ${key}` } }, `/graphql?query=${q}`);
    t.same(get.body, { data: { buckets: [{ name: 'safe-bkt' }] } });
    const m = encodeURIComponent('mutation { deleteBucket(name: "safe-bkt", force: true) }');
    const refused = await send({ headers: { authorization: `Bearer ${key}` } }, `/graphql?query=${m}`);
    t.same([refused.status, code(refused)], [405, 'S3GATE_GRAPHQL_INVALID']);
    t.same((await gql('{ buckets { name } }')).data, { buckets: [{ name: 'safe-bkt' }] }, 'the bucket is still there');
  });

  t.test('the API key is required; a cross-site simple request is refused as CSRF', async (t) => {
    const anon = await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ buckets { name } }' }) });
    t.same([anon.status, code(anon)], [401, 'S3GATE_UNAUTHORIZED']);
    const badKey = await json({ query: '{ buckets { name } }' }, { authorization: 'Bearer s3g_nope' });
    t.same([badKey.status, code(badKey)], [401, 'S3GATE_UNAUTHORIZED']);
    // What a form on another site can send: a simple content type and no Authorization header.
    const form = await send({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: 'mutation { deleteBucket(name: "safe-bkt", force: true) }' }) });
    t.same([form.status, code(form)], [400, 'S3GATE_CSRF_BLOCKED']);
    const simpleGet = await send({}, `/graphql?query=${encodeURIComponent('{ buckets { name } }')}`);
    t.same([simpleGet.status, code(simpleGet)], [400, 'S3GATE_CSRF_BLOCKED'], 'a GET without Authorization is not even looked at');
  });

  t.test('no answer carried a stack trace or an internal detail', async (t) => {
    t.ok(answers.length > 15);
    for (const a of answers) {
      t.ok(a.status < 500, `status ${a.status}`);
      const text = JSON.stringify(a.body);
      t.notMatch(text, /\bat .*\.(ts|js):\d+/, 'no stack frames');
      t.notMatch(text, /"stack"|MER_ERR|FST_ERR/, 'no internal names');
    }
  });

  t.test('GraphiQL is served at /graphiql', async (t) => {
    const res = await fetch(`${base}/graphiql`);
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /text\/html/);
  });
});
