// The gateway's process (src/server.ts loads it once the Node version is right).
import { join } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { prettyLogStream } from './lib/pretty-log.js';

async function main() {
  const config = loadConfig(process.env);
  // Before the app, so the spans of its first requests are recorded.
  // The OpenTelemetry SDK and its exporter load only when tracing is on (they are 1.4 MB of heap).
  const stopTracing = config.tracing.enabled ? (await import('./telemetry.js')).startTracing(config) : async () => {};
  // A person at a terminal reads lines; anything else (a log collector, a file) gets JSON.
  const pretty = config.logFormat === 'pretty' || (config.logFormat === undefined && process.stdout.isTTY === true);
  const app = await buildApp(config, pretty ? { logger: { stream: prettyLogStream(process.stdout.hasColors?.() ?? false) } } : {});
  await app.listen({ host: config.host, port: config.port });
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;
  const s3Url = config.s3Door.port === 0 ? undefined : await app.s3door.listen({ host: config.host, port: config.s3Door.port }).then(() => `http://${hostPart}:${config.s3Door.port}`);

  // The port bound, which PORT=0 leaves to the system.
  const port = (app.server.address() as { port: number } | null)?.port ?? config.port;
  const base = config.publicUrl ?? `http://${hostPart}:${port}`;
  const lines = [`s3gate listening on ${base}  (API docs: ${base}/docs)`];
  lines.push(s3Url ? `  S3 protocol on ${s3Url}  (region ${config.s3Door.region}; any S3 client with a tenant's S3 key)` : '  S3 protocol: off (S3GATE_S3_PORT=0)');
  lines.push(`  resumable uploads (tus 1.0): ${base}/v1/uploads${config.corsOrigins.length ? `  (browser origins: ${config.corsOrigins.join(', ')})` : ''}`);
  lines.push(`  data directory: ${config.dataDir}`);
  if (config.tracing.enabled) lines.push(`  tracing: OpenTelemetry (OTLP/HTTP, service ${config.tracing.serviceName}, sampler ${config.tracing.sampler})`);
  // Secrets go to a person at a terminal only (the newcomer's path): stdout that is a pipe or a file
  // ends up in log collectors, so there the banner says where the token is kept and how to make keys.
  const atTerminal = process.stdout.isTTY === true;
  const tokenFile = join(config.dataDir, 'admin-token');
  const adminAuth = config.adminToken ? "'Authorization: Bearer <admin token>'" : `"Authorization: Bearer $(cat ${tokenFile})"`;
  if (config.adminToken) lines.push('  admin token: from S3GATE_ADMIN_TOKEN');
  else if (atTerminal) lines.push(`  admin token: ${app.adminToken}  (kept in ${tokenFile})`);
  else lines.push(`  admin token: kept in ${tokenFile} (not printed: stdout is not a terminal)`);
  if (atTerminal) {
    for (const { tenant, apiKey } of app.services.bootstrap.createdKeys) {
      lines.push(`  tenant '${tenant}' API key (shown once): ${apiKey}`);
      lines.push(`    try: curl -H 'Authorization: Bearer ${apiKey}' -X PUT ${base}/v1/buckets/my-bucket`);
      lines.push(`     or: S3GATE_URL=${base} S3GATE_API_KEY=${apiKey} npx s3gate cp ./some-file s3gate://my-bucket/`);
      const key = await app.services.s3Keys.create(tenant);
      lines.push(`  tenant '${tenant}' S3 key (shown once): ${key.accessKeyId} / ${key.secretAccessKey}`);
      if (s3Url) {
        lines.push(`    try: AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey} AWS_DEFAULT_REGION=${config.s3Door.region} aws --endpoint-url ${s3Url} s3 ls`);
      }
    }
  }
  if (!atTerminal || app.services.bootstrap.createdKeys.length === 0) {
    for (const { tenant } of app.services.bootstrap.createdKeys) lines.push(`  tenant '${tenant}' created (its keys are not printed: stdout is not a terminal)`);
    const tenant = app.services.bootstrap.createdKeys[0]?.tenant ?? 'local';
    lines.push(`  new API key: curl -H ${adminAuth} -X POST ${base}/admin/tenants/${tenant}/keys`);
    lines.push(`  new S3 key:  curl -H ${adminAuth} -X POST ${base}/admin/tenants/${tenant}/s3-keys`);
  }
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
    app
      .close()
      .then(() => stopTracing())
      .then(
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
    process.stderr.write(`s3gate: ${(err as Error).message}; set PORT (or S3GATE_S3_PORT for the S3 door; 0 turns it off) to another port\n`);
    process.exit(2);
  }
  process.stderr.write(`s3gate: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
