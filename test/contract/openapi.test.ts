import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import type { OpenAPIV3_1 } from 'openapi-types';
import { errorCodes } from '../../src/errors.js';
import { CLIENT_TYPES, generateClientTypes, generateOpenapi } from '../../scripts/openapi.js';
import { testApp } from '../helpers/app.js';

const committed = readFileSync(fileURLToPath(new URL('../../openapi.yaml', import.meta.url)), 'utf8');

t.test('openapi.yaml is what the routes generate (run `npm run openapi` after changing a route)', async (t) => {
  t.equal(await generateOpenapi(), committed);
});

t.test("the typed client's generated types are openapi.yaml's (run `npm run openapi`)", async (t) => {
  t.equal(await generateClientTypes(committed), readFileSync(CLIENT_TYPES, 'utf8'));
});

t.test('every route is documented with an operationId, a 2xx response and the shared error schema', async (t) => {
  const doc = parse(committed) as OpenAPIV3_1.Document;
  const routes: { method: string; url: string }[] = [];
  await testApp(t, { onRoute: (r) => void [r.method].flat().forEach((method) => routes.push({ method, url: r.url })) });
  const documented = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {}) as [string, OpenAPIV3_1.OperationObject][]) {
      documented.add(`${method.toUpperCase()} ${path}`);
      t.ok(op.operationId, `${method} ${path} has an operationId`);
      const statuses = Object.keys(op.responses ?? {});
      t.ok(
        statuses.some((s) => /^2/.test(s)),
        `${op.operationId} documents a 2xx response`,
      );
      if (op.tags?.includes('operations')) continue;
      if (op.tags?.includes('graphql')) {
        // GraphQL answers its own body at every status: { data, errors: [{ message, extensions: { code } }] }.
        for (const family of ['2XX', '4XX']) t.match(JSON.stringify(op.responses?.[family]), /"errors".*"extensions".*"code"/, `${op.operationId} ${family} has GraphQL errors with a code`);
        continue;
      }
      for (const family of ['4XX', '5XX']) {
        const res = op.responses?.[family] as OpenAPIV3_1.ResponseObject | undefined;
        t.match(JSON.stringify(res?.content), /#\/components\/schemas\/ErrorResponse/, `${op.operationId} ${family} uses ErrorResponse`);
      }
    }
  }
  // Every route a client can call must be in the document.
  for (const r of routes) {
    // Pages for a browser (the API's docs, GraphiQL, the console), named in the document's description.
    if (r.url === '/openapi.json' || r.url.startsWith('/docs') || r.url.startsWith('/graphiql') || r.url.startsWith('/console')) continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}').replace('/*', '/{key}');
    t.ok(documented.has(`${r.method} ${path}`), `${r.method} ${r.url} is in openapi.yaml`);
  }
  t.ok(routes.length >= 20, `${routes.length} routes checked`);
});

t.test('every error code of the error table is listed in openapi.yaml', async (t) => {
  const doc = parse(committed) as OpenAPIV3_1.Document;
  const schema = doc.components?.schemas?.ErrorResponse as OpenAPIV3_1.SchemaObject;
  const listed = (schema.properties?.code as OpenAPIV3_1.SchemaObject | undefined)?.enum ?? [];
  for (const code of errorCodes) t.ok(listed.includes(code), code);
  t.equal(listed.length, errorCodes.length);
});
