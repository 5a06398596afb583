// The layers of src/ and the console, checked by `npm test` (test/contract/dependencies.test.ts) and by
// `npx depcruise src console/src`. Arrows point down only:
//
//   app.ts, server.ts, serve.ts, cli.ts, cli/   entry points
//   routes/ (REST, GraphQL, tus)  door/ (S3)    faces: translate a transport into service calls
//   plugins/                                     Fastify wiring: auth, metrics, logging, the services
//   services/                                    behaviour: no HTTP, no SDK
//   events/                                      the outbox's dispatcher, senders, signer, SSRF guard
//   s3/  store/  schema/                         storage clients, database, API shapes (side by side)
//   model/                                       tenants, events, names, the driver contract, the upload guard
//   lib/  errors.ts  config.ts                   foundations
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one: neither can be read, tested or moved alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'foundations-stand-alone',
      comment: 'lib/ and errors.ts are used by every layer and use none of them.',
      severity: 'error',
      from: { path: '^src/(lib/|errors\\.ts)' },
      to: { path: '^src/', pathNot: '^src/(lib/|errors\\.ts)' },
    },
    {
      name: 'model-at-the-bottom',
      comment: 'The model (tenants, events, names, the driver contract) imports nothing above the foundations.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/(model/|lib/|errors\\.ts)' },
    },
    {
      name: 'lower-layers-do-not-climb',
      comment: 'store, s3, schema and events know nothing of services, faces, plugins or the app.',
      severity: 'error',
      from: { path: '^src/(store|s3|schema|events)/' },
      to: { path: '^src/(services|routes|door|plugins|cli)/|^src/(app|server|serve|cli|doctor|telemetry)\\.ts$' },
    },
    {
      name: 'store-s3-schema-side-by-side',
      comment: 'The database, the storage clients and the API shapes do not lean on one another.',
      severity: 'error',
      from: { path: '^src/(store|s3|schema)/' },
      to: { path: '^src/(store|s3|schema|events)/', pathNot: '^src/$1/' },
    },
    {
      name: 'services-know-no-faces',
      comment: 'Services take a RequestContext and plain values; routes and plugins call them, never the reverse.',
      severity: 'error',
      from: { path: '^src/(services|events)/' },
      to: { path: '^src/(routes|door|plugins|cli)/|^src/(app|server|serve|cli|doctor)\\.ts$' },
    },
    {
      name: 'faces-go-through-services',
      comment: 'A face (a REST route, a resolver, the S3 door, tus) never reads or writes the database itself.',
      severity: 'error',
      from: { path: '^src/(routes|door)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'only-s3-speaks-sdk',
      comment: 'Only src/s3 talks to the AWS SDK; everything else goes through the ObjectStore contract.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/s3/' },
      to: { path: 'node_modules/(@aws-sdk|@smithy)/' },
    },
    {
      name: 'console-through-the-client',
      comment: 'The console reaches the gateway through the typed client, as any front-end would.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
