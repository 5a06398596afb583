import type { FastifyInstance } from 'fastify';

/** The versions mercurius's own GraphiQL page loads. */
const ASSETS = {
  css: 'https://unpkg.com/graphiql@3.8.3/graphiql.min.css',
  scripts: ['https://unpkg.com/react@18.3.1/umd/react.production.min.js', 'https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js', 'https://unpkg.com/graphiql@3.8.3/graphiql.min.js'],
};

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
  <link rel="stylesheet" href="${ASSETS.css}" crossorigin="anonymous"/>
</head>
<body>
  <div id="main">Loading GraphiQL… Put your key in the Headers tab: {"Authorization": "Bearer s3g_…"}</div>
  ${ASSETS.scripts.map((src) => `<script src="${src}" crossorigin="anonymous"></script>`).join('\n  ')}
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

/** GET /graphiql and its script. */
export async function graphiqlRoutes(app: FastifyInstance): Promise<void> {
  const hide = { schema: { hide: true } };
  app.get('/graphiql', hide, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page));
  app.get('/graphiql/main.js', hide, async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(script));
}
