import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main() {
  const config = loadConfig(process.env);
  const app = await buildApp(config);
  await app.listen({ host: config.host, port: config.port });

  const base = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const lines = [`s3gate listening on ${base}  (API docs: ${base}/docs)`, `  data directory: ${config.dataDir}`];
  lines.push(config.adminToken ? '  admin token: from S3GATE_ADMIN_TOKEN' : `  admin token: ${app.adminToken}  (kept in ${config.dataDir}/admin-token)`);
  for (const { tenant, apiKey } of app.bootstrap.createdKeys) {
    lines.push(`  tenant '${tenant}' API key (shown once): ${apiKey}`);
    lines.push(`    try: curl -H 'Authorization: Bearer ${apiKey}' -X PUT ${base}/v1/buckets/my-bucket`);
  }
  if (app.bootstrap.createdKeys.length === 0) lines.push(`  new API key: curl -H 'Authorization: Bearer <admin token>' -X POST ${base}/admin/tenants/local/keys`);
  process.stdout.write(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      app.log.error('in-flight requests did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`s3gate: ${err.message}\n`);
    process.exit(2);
  }
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`s3gate: ${(err as Error).message}; set PORT to another port\n`);
    process.exit(2);
  }
  process.stderr.write(`s3gate: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
