import type { Command } from 'commander';
import { unwrap } from '../../../clients/typescript/src/index.js';
import { profileFile, readProfiles, writeProfile } from '../settings.js';
import { needAdmin, needKey, table, tenantBody, type Flags, type Run } from './context.js';

/** Where and as whom to connect (profiles), and whether the gateway is up. */
export function connectionCommands(cli: Command, run: Run, env: NodeJS.ProcessEnv, home: string): void {
  const profile = cli.command('profile').description('Save where and as whom to connect, in a profile file readable by you alone');
  profile
    .command('set')
    .argument('<name>', 'profile name (default is used when none is given)')
    .description('Create or change a profile from --url, --api-key and --admin-token')
    .action(function (this: Command, name: string) {
      const flags = this.optsWithGlobals() as Flags;
      const file = profileFile(env, home);
      writeProfile(file, name, { url: flags.url, apiKey: flags.apiKey, adminToken: flags.adminToken });
      process.stdout.write(flags.json ? JSON.stringify({ profile: name, file }) + '\n' : `saved profile '${name}' in ${file}\n`);
    });
  profile
    .command('list')
    .description('The profiles, without their secrets')
    .action(function (this: Command) {
      const flags = this.optsWithGlobals() as Flags;
      const profiles = readProfiles(profileFile(env, home));
      const shown = Object.entries(profiles).map(([name, p]) => ({ name, url: p.url ?? null, apiKey: Boolean(p.apiKey), adminToken: Boolean(p.adminToken) }));
      process.stdout.write(flags.json ? JSON.stringify(shown) + '\n' : table(shown.map((p) => [p.name, p.url ?? '-', p.apiKey ? 'api key' : '', p.adminToken ? 'admin token' : ''])) + '\n');
    });

  cli
    .command('health')
    .description('Whether the gateway is up and its state store answers')
    .action(
      run(async (ctx) => {
        const res = await fetch(`${ctx.remote.url}/readyz`);
        const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        ctx.out({ url: ctx.remote.url, ready: res.ok, ...body }, `${ctx.remote.url}: ${res.ok ? 'ready' : `not ready (${res.status})`}`);
        if (!res.ok) process.exitCode = 1;
      }),
    );
}

/** Tenants, their API keys and S3 keys (admin token; S3 keys also with an API key). */
export function adminCommands(cli: Command, run: Run): void {
  const tenants = cli.command('tenants').description('Tenants (admin token)');
  tenants
    .command('list')
    .description('Every tenant')
    .action(
      run(async (ctx) => {
        needAdmin(ctx);
        const list = await unwrap(ctx.client.api.GET('/admin/tenants'));
        ctx.out(list.tenants, table([['ID', 'DRIVER', 'ENDPOINT'], ...list.tenants.map((t) => [t.id, t.driver, t.s3?.endpoint ?? (t.driver === 's3' ? `AWS ${t.s3?.region ?? ''}` : '-')])]));
      }),
    );
  tenants
    .command('create')
    .argument('<id>', 'tenant id')
    .option('--driver <driver>', 's3 or disk (default: disk unless S3 settings are given)')
    .option('--endpoint <url>', 'S3 endpoint (omit for AWS)')
    .option('--region <region>', 'S3 region')
    .option('--access-key-id <id>', 'static S3 credentials')
    .option('--secret-access-key <secret>', 'static S3 credentials (prefer --file: flags show in ps)')
    .option('--file <file>', 'the whole tenant as JSON (pool, limits, credentials); - reads stdin')
    .option('--verify', 'check the settings with one S3 call before saving')
    .description('Create a tenant and its first API key (shown once)')
    .action(
      run(async (ctx, id: string, opts: Parameters<typeof tenantBody>[0] & { verify?: boolean }) => {
        needAdmin(ctx);
        const created = await unwrap(ctx.client.api.POST('/admin/tenants', { params: { query: { verify: opts.verify } }, body: tenantBody(opts, id) as never }));
        ctx.out(created, `created tenant ${created.id} (${created.driver})\nAPI key (shown once): ${created.apiKey}`);
      }),
    );
  tenants
    .command('show')
    .argument('<id>')
    .description("A tenant's settings (no secrets)")
    .action(
      run(async (ctx, id: string) => {
        needAdmin(ctx);
        const t = await unwrap(ctx.client.api.GET('/admin/tenants/{id}', { params: { path: { id } } }));
        ctx.out(t, JSON.stringify(t, null, 2));
      }),
    );
  tenants
    .command('verify')
    .argument('<id>')
    .description("One S3 call with the tenant's settings: its latency or its error")
    .action(
      run(async (ctx, id: string) => {
        needAdmin(ctx);
        const h = await unwrap(ctx.client.api.GET('/admin/tenants/{id}/health', { params: { path: { id } } }));
        const healthy = (h as { ok?: boolean }).ok !== false;
        ctx.out(h, healthy ? `${id}: ok (${JSON.stringify(h)})` : `${id}: FAILED ${JSON.stringify(h)}`);
        if (!healthy) process.exitCode = 1;
      }),
    );
  tenants
    .command('delete')
    .argument('<id>')
    .description('Delete a tenant: its keys, webhooks and state (its S3 objects stay)')
    .action(
      run(async (ctx, id: string) => {
        needAdmin(ctx);
        await unwrap(ctx.client.api.DELETE('/admin/tenants/{id}', { params: { path: { id } } }));
        ctx.out({ deleted: id }, `deleted tenant ${id}`);
      }),
    );

  const keys = cli.command('keys').description("A tenant's API keys (admin token)");
  keys
    .command('create')
    .argument('<tenant>')
    .description('A new API key (shown once)')
    .action(
      run(async (ctx, tenant: string) => {
        needAdmin(ctx);
        const k = await unwrap(ctx.client.api.POST('/admin/tenants/{id}/keys', { params: { path: { id: tenant } } }));
        ctx.out(k, `API key ${k.id} (shown once): ${k.apiKey}`);
      }),
    );
  keys
    .command('revoke')
    .argument('<tenant>')
    .argument('<keyId>')
    .description('Revoke an API key at once')
    .action(
      run(async (ctx, tenant: string, keyId: string) => {
        needAdmin(ctx);
        await unwrap(ctx.client.api.DELETE('/admin/tenants/{id}/keys/{keyId}', { params: { path: { id: tenant, keyId } } }));
        ctx.out({ revoked: keyId }, `revoked ${keyId}`);
      }),
    );

  const s3Keys = cli.command('s3-keys').description("S3 access keys for the S3 protocol door: your own (API key), or a tenant's (--tenant, admin token)");
  s3Keys
    .command('create')
    .option('--tenant <id>', "another tenant's (admin token)")
    .description('A new S3 access key (the secret is shown once)')
    .action(
      run(async (ctx, opts: { tenant?: string }) => {
        const k = opts.tenant
          ? (needAdmin(ctx), await unwrap(ctx.client.api.POST('/admin/tenants/{id}/s3-keys', { params: { path: { id: opts.tenant } } })))
          : (needKey(ctx), await unwrap(ctx.client.api.POST('/v1/s3-keys')));
        ctx.out(k, `S3 access key ${k.accessKeyId}\nsecret (shown once): ${k.secretAccessKey}`);
      }),
    );
  s3Keys
    .command('revoke')
    .argument('<accessKeyId>')
    .option('--tenant <id>', "another tenant's (admin token)")
    .description('Revoke an S3 access key at once')
    .action(
      run(async (ctx, accessKeyId: string, opts: { tenant?: string }) => {
        if (opts.tenant) {
          needAdmin(ctx);
          await unwrap(ctx.client.api.DELETE('/admin/tenants/{id}/s3-keys/{accessKeyId}', { params: { path: { id: opts.tenant, accessKeyId } } }));
        } else {
          needKey(ctx);
          await unwrap(ctx.client.api.DELETE('/v1/s3-keys/{accessKeyId}', { params: { path: { accessKeyId } } }));
        }
        ctx.out({ revoked: accessKeyId }, `revoked ${accessKeyId}`);
      }),
    );
}
