// The gateway's entry point (npm start: dist/src/server.js). npm and npx may run on an older Node than
// the gateway needs (package.json's engines is theirs); a Node older than 22 is refused here, before any
// module that needs 22 is loaded, with what to do instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `s3gate: the gateway runs on Node 22 or later, not ${process.version}. Start it with npm start (it uses the Node 22 that npm installs into node_modules), or install Node 22.\n`,
  );
  process.exit(2);
}
await import('./serve.js');
