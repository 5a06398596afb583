import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
/** A file of an installed package (their exports do not list these files; their package.json is listed). */
const fileOf = (pkg: string, path: string) => join(dirname(require.resolve(`${pkg}/package.json`)), path);

/**
 * GraphiQL's browser files, from the installed packages (the versions mercurius's own page loads from a
 * CDN): the page works with no access to the internet.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  'graphiql.min.css': { file: fileOf('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'react.production.min.js': { file: fileOf('react', 'umd/react.production.min.js'), type: 'application/javascript; charset=utf-8' },
  'react-dom.production.min.js': { file: fileOf('react-dom', 'umd/react-dom.production.min.js'), type: 'application/javascript; charset=utf-8' },
  'graphiql.min.js': { file: fileOf('graphiql', 'graphiql.min.js'), type: 'application/javascript; charset=utf-8' },
};
const asset = (name: string) => `/graphiql/assets/${name}`;

/**
 * GraphiQL that never keeps credentials: the header editor (where the API key goes) is not persisted,
 * and what an older page persisted under graphiql:headers is removed. Served instead of mercurius's
 * page, which persists headers in localStorage for any script on this origin to read.
 */
const page = `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8"/>
  <title>s3gate GraphiQL</title>
  <meta name="robots" content="noindex"/>
  <meta name="viewport" content="width=device-width, initial-scale=1"/>
  <style>body { margin: 0; overflow: hidden; } #main { height: 100vh; }</style>
  <link rel="stylesheet" href="${asset('graphiql.min.css')}"/>
</head>
<body>
  <div id="main">Loading GraphiQL… Put your key in the Headers tab: {"Authorization": "Bearer s3g_…"}</div>
  ${['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js'].map((name) => `<script src="${asset(name)}"></script>`).join('\n  ')}
  <script src="/graphiql/main.js"></script>
</body>
</html>`;

const script = `(function () {
  for (const store of [window.localStorage, window.sessionStorage]) {
    try { for (const k of Object.keys(store)) if (k.startsWith('graphiql:headers')) store.removeItem(k); } catch (e) {}
  }
  const ws = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const fetcher = GraphiQL.createFetcher({ url: location.origin + '/graphql', subscriptionUrl: ws + '//' + location.host + '/graphql' });
  ReactDOM.render(React.createElement(GraphiQL, { fetcher, headerEditorEnabled: true, shouldPersistHeaders: false }), document.getElementById('main'));
})();`;

/**
 * The console's policy, with what GraphiQL needs besides: inline styles (its editor sets them) and
 * fonts from data: URLs. Its own files only, no frames of it anywhere, no form posts, no <base>.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** GET /graphiql, its script and its assets. */
export async function graphiqlRoutes(app: FastifyInstance): Promise<void> {
  const hide = { schema: { hide: true } };
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
  });
  // Versioned with the packages: cached for a day, streamed from disk.
  app.get<{ Params: { name: string } }>('/graphiql/assets/:name', hide, async (request, reply) => {
    const a = Object.hasOwn(ASSETS, request.params.name) ? ASSETS[request.params.name] : undefined;
    if (!a) return reply.callNotFound();
    return reply.type(a.type).header('content-length', statSync(a.file).size).header('cache-control', 'public, max-age=86400').send(createReadStream(a.file));
  });
  app.get('/graphiql', hide, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page));
  app.get('/graphiql/main.js', hide, async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(script));
}
