import { readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, isObjectType, printSchema, type IntrospectionQuery } from 'graphql';
import t from 'tap';
import { resolvers } from '../../src/routes/graphql/resolvers.js';
import { SubscriptionSlots } from '../../src/routes/graphql/subscription-slots.js';
import { createTenant, listen, testApp } from '../helpers/app.js';
import { gqlClient } from '../helpers/graphql.js';

const sdl = readFileSync(new URL('../../src/schema/schema.graphql', import.meta.url), 'utf8');

/** src/schema/schema.graphql is what the server serves, and every root field of it has a resolver. */
t.test('the served schema is the SDL in src/schema', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'sdl', driver: 'disk' });
  const gql = gqlClient(await listen(app), key);
  const res = await gql<IntrospectionQuery>(getIntrospectionQuery());
  t.equal(res.status, 200);
  const served = printSchema(buildClientSchema(res.data!));
  t.equal(served, printSchema(buildSchema(sdl)), 'introspection of the running server prints the same as the SDL file');

  const schema = buildSchema(sdl);
  const map = resolvers(app.services, 1, new SubscriptionSlots({ perTenant: 1, perProcess: 1, maxUnsentEvents: 1 })) as Record<string, Record<string, unknown>>;
  for (const root of ['Query', 'Mutation', 'Subscription']) {
    const type = schema.getType(root);
    if (!isObjectType(type)) throw new Error(`${root} missing`);
    const fields = Object.keys(type.getFields()).sort();
    t.same(Object.keys(map[root] ?? {}).sort(), fields, `every ${root} field has a resolver and every ${root} resolver a field`);
  }
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    t.ok(type, `resolvers of ${typeName} belong to a type of the SDL`);
    if (isObjectType(type)) for (const f of Object.keys(fields)) t.ok(type.getFields()[f], `${typeName}.${f} is in the SDL`);
  }
});
