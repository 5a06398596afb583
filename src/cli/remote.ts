// The CLI's commands that talk to a running gateway, through the typed client (clients/typescript): the
// same API and error codes as any other caller. Output is for a person, or JSON with --json.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { createClient as createWsClient } from 'graphql-ws';
import { S3gate, S3gateError, unwrap, type ObjectEvent } from '../../clients/typescript/src/index.js';
import { ConfigError } from '../config.js';
import { Progress } from './progress.js';
import { profileFile, readProfiles, resolveRemote, writeProfile, type GlobalFlags, type Remote } from './settings.js';

type Flags = GlobalFlags & { json?: boolean };

/** A remote location: s3gate://bucket/key (key may be empty or end with /). */
export function remotePath(arg: string): { bucket: string; key: string } | undefined {
  const m = /^s3gate:\/\/([^/]+)\/?(.*)$/.exec(arg);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

function needRemote(arg: string, what: string): { bucket: string; key: string } {
  const r = remotePath(arg);
  if (!r) throw new ConfigError(`${what} must be s3gate://bucket/key, got '${arg}'`);
  return r;
}

interface Ctx {
  remote: Remote;
  json: boolean;
  client: S3gate;
  out: (value: unknown, text: string) => void;
}

function context(cmd: Command, env: NodeJS.ProcessEnv, home: string): Ctx {
  const flags = cmd.optsWithGlobals() as Flags;
  const remote = resolveRemote(flags, env, home);
  const json = flags.json ?? false;
  return {
    remote,
    json,
    client: new S3gate({ baseUrl: remote.url, apiKey: remote.apiKey, adminToken: remote.adminToken }),
    out: (value, text) => process.stdout.write(json ? JSON.stringify(value) + '\n' : text + (text.endsWith('\n') || text === '' ? '' : '\n')),
  };
}

function needKey(ctx: Ctx): void {
  if (!ctx.remote.apiKey) throw new ConfigError("this command acts as a tenant: pass --api-key, set S3GATE_API_KEY, or save it in a profile (s3gate profile set default --api-key …)");
}

function needAdmin(ctx: Ctx): void {
  if (!ctx.remote.adminToken) throw new ConfigError('this command needs the admin token: pass --admin-token, set S3GATE_ADMIN_TOKEN, or save it in a profile');
}

const table = (rows: string[][]) => {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
};

async function collect<T>(it: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length >= limit) break;
  }
  return out;
}

function tenantBody(opts: { file?: string; driver?: string; endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string }, id: string): Record<string, unknown> {
  if (opts.file) {
    const text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
    try {
      return { id, ...(JSON.parse(text) as Record<string, unknown>) };
    } catch (err) {
      throw new ConfigError(`${opts.file} is not JSON: ${(err as Error).message}`);
    }
  }
  if (opts.driver === 'disk' || (!opts.endpoint && !opts.accessKeyId && !opts.region)) return { id, driver: 'disk' };
  if (!opts.region) throw new ConfigError('an S3 tenant needs --region (and --endpoint for anything but AWS)');
  return {
    id,
    driver: 's3',
    s3: { region: opts.region, ...(opts.endpoint && { endpoint: opts.endpoint }), ...(opts.accessKeyId && { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }) },
  };
}

/** Registers the remote commands on the program; env and home are the process's (cli.ts reads them). */
export function remoteCommands(cli: Command, env: NodeJS.ProcessEnv, home: string): void {
  cli
    .option('--url <url>', 'the gateway (S3GATE_URL, a profile, or http://127.0.0.1:3000)')
    .option('--api-key <key>', 'a tenant API key (S3GATE_API_KEY)')
    .option('--admin-token <token>', 'the admin token (S3GATE_ADMIN_TOKEN)')
    .option('--profile <name>', `a profile of ${profileFile(env, home)} (S3GATE_PROFILE; default: "default")`)
    .option('--json', 'print JSON (one document, or one per line for streams)');
  const run = (fn: (ctx: Ctx, ...args: any[]) => Promise<void>) =>
    async function (this: Command, ...args: unknown[]) {
      await fn(context(this, env, home), ...args);
    };

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

  // Tenants, API keys and S3 keys (admin token).
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

  const s3Keys = cli.command('s3-keys').description('S3 access keys for the S3 protocol door: your own (API key), or a tenant\'s (--tenant, admin token)');
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

  // Buckets and objects (API key).
  const buckets = cli.command('buckets').description('Buckets of the tenant');
  buckets
    .command('list', { isDefault: true })
    .description('Every bucket')
    .action(
      run(async (ctx) => {
        needKey(ctx);
        const list = await ctx.client.buckets.list();
        ctx.out(list, table(list.map((b) => [b.createdAt ?? '-', b.name])));
      }),
    );
  buckets
    .command('create')
    .argument('<name>')
    .description('Create a bucket (no error when it is yours already)')
    .action(
      run(async (ctx, name: string) => {
        needKey(ctx);
        const created = await ctx.client.buckets.create(name);
        ctx.out({ name, created }, created ? `created ${name}` : `${name} exists already`);
      }),
    );
  buckets
    .command('delete')
    .argument('<name>')
    .description('Delete an empty bucket')
    .action(
      run(async (ctx, name: string) => {
        needKey(ctx);
        await ctx.client.buckets.delete(name);
        ctx.out({ deleted: name }, `deleted ${name}`);
      }),
    );

  cli
    .command('ls')
    .argument('<path>', 's3gate://bucket[/prefix]')
    .option('-r, --recursive', 'every key under the prefix, not one folder level')
    .description('Objects and folders under a prefix')
    .action(
      run(async (ctx, path: string, opts: { recursive?: boolean }) => {
        needKey(ctx);
        const { bucket, key: prefix } = needRemote(path, 'the path');
        if (opts.recursive) {
          if (ctx.json) {
            for await (const o of ctx.client.objects.list(bucket, { prefix })) process.stdout.write(JSON.stringify(o) + '\n');
            return;
          }
          for await (const o of ctx.client.objects.list(bucket, { prefix })) process.stdout.write(`${o.lastModified}  ${String(o.size).padStart(12)}  ${o.key}\n`);
          return;
        }
        const prefixes: string[] = [];
        const objects: { key: string; size: number; lastModified: string; etag: string }[] = [];
        let cursor: string | undefined;
        do {
          const page = await ctx.client.objects.listPage(bucket, { prefix, delimiter: '/', limit: 1000, cursor });
          prefixes.push(...page.prefixes);
          objects.push(...page.objects);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        ctx.out({ prefixes, objects }, [...prefixes.map((p) => `${''.padEnd(24)}  ${'DIR'.padStart(12)}  ${p}`), ...objects.map((o) => `${o.lastModified}  ${String(o.size).padStart(12)}  ${o.key}`)].join('\n'));
      }),
    );

  cli
    .command('cp')
    .argument('<source>', 'a local file, - (stdin), or s3gate://bucket/key')
    .argument('<destination>', 's3gate://bucket/key (or …/ to keep the name), a local file or directory, or - (stdout)')
    .option('--content-type <type>', 'of an upload (default application/octet-stream)')
    .option('--meta <name=value...>', 'user metadata of an upload')
    .option('--no-progress', 'no progress line on the terminal')
    .description('Copy a file to or from the gateway, streamed (any size, in bounded memory)')
    .action(
      run(async (ctx, source: string, destination: string, opts: { contentType?: string; meta?: string[]; progress: boolean }) => {
        needKey(ctx);
        const from = remotePath(source);
        const to = remotePath(destination);
        if (from && to) throw new ConfigError('copy between two gateway paths with the API (POST /v1/copy); cp copies between this machine and the gateway');
        if (!from && !to) throw new ConfigError('one side of cp must be s3gate://bucket/key');
        const show = (label: string, size?: number) => new Progress(label, size, opts.progress && !ctx.json ? process.stderr : ({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream));
        if (to) {
          const key = to.key === '' || to.key.endsWith('/') ? to.key + basename(source === '-' ? 'stdin' : source) : to.key;
          const size = source === '-' ? undefined : statSync(source).size;
          const metadata = Object.fromEntries((opts.meta ?? []).map((m) => {
            const i = m.indexOf('=');
            if (i <= 0) throw new ConfigError(`--meta takes name=value, got '${m}'`);
            return [m.slice(0, i), m.slice(i + 1)];
          }));
          const progress = show(`${source} → s3gate://${to.bucket}/${key}`, size);
          const body = (source === '-' ? process.stdin : createReadStream(source)).pipe(progress.meter());
          const result = await ctx.client.objects.upload(to.bucket, key, body, { size, contentType: opts.contentType, metadata });
          const figures = progress.done();
          ctx.out({ ...result, ...figures }, `uploaded ${source} to s3gate://${to.bucket}/${key}: ${figures.bytes} bytes in ${figures.seconds} s (${figures.mbps} MB/s)`);
          return;
        }
        const src = from!;
        if (src.key === '' || src.key.endsWith('/')) throw new ConfigError(`${source} names a folder; cp copies one object`);
        const download = await ctx.client.objects.download(src.bucket, src.key);
        const progress = show(`s3gate://${src.bucket}/${src.key} → ${destination}`, download.size ?? undefined);
        const body = Readable.fromWeb(download.body as never).pipe(progress.meter());
        if (destination === '-') {
          await pipeline(body, process.stdout as Writable);
          progress.done();
          return;
        }
        const target = existsSync(destination) && statSync(destination).isDirectory() ? join(destination, basename(src.key)) : destination;
        // Written beside the target and renamed when whole: a failed copy leaves no half file.
        const partial = join(dirname(target), `.${basename(target)}.s3gate-${randomBytes(4).toString('hex')}`);
        try {
          await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
          renameSync(partial, target);
        } catch (err) {
          rmSync(partial, { force: true });
          throw err;
        }
        const figures = progress.done();
        ctx.out({ bucket: src.bucket, key: src.key, file: target, etag: download.etag, ...figures }, `downloaded s3gate://${src.bucket}/${src.key} to ${target}: ${figures.bytes} bytes in ${figures.seconds} s (${figures.mbps} MB/s)`);
      }),
    );

  cli
    .command('rm')
    .argument('<path>', 's3gate://bucket/key, or a prefix with --recursive')
    .option('-r, --recursive', 'every object under the prefix')
    .description('Delete objects')
    .action(
      run(async (ctx, path: string, opts: { recursive?: boolean }) => {
        needKey(ctx);
        const { bucket, key } = needRemote(path, 'the path');
        if (!opts.recursive) {
          if (key === '' || key.endsWith('/')) throw new ConfigError(`${path} names a folder: pass --recursive to delete everything under it`);
          await ctx.client.objects.delete(bucket, key);
          ctx.out({ deleted: [key] }, `deleted s3gate://${bucket}/${key}`);
          return;
        }
        const deleted: string[] = [];
        const errors: unknown[] = [];
        // Pages of listing, batches of 1000 deletes: any number of keys in bounded memory.
        for (;;) {
          const batch = await collect(ctx.client.objects.list(bucket, { prefix: key, pageSize: 1000 }), 1000);
          if (batch.length === 0) break;
          const r = await ctx.client.objects.deleteMany(bucket, batch.map((o) => o.key));
          deleted.push(...r.deleted);
          errors.push(...r.errors);
          if (r.deleted.length === 0) break;
        }
        ctx.out({ deleted, errors }, `deleted ${deleted.length} object(s) under s3gate://${bucket}/${key}${errors.length ? `; ${errors.length} failed: ${JSON.stringify(errors.slice(0, 3))}` : ''}`);
        if (errors.length > 0) process.exitCode = 1;
      }),
    );

  cli
    .command('presign')
    .argument('<path>', 's3gate://bucket/key')
    .option('--method <method>', 'GET, PUT or TUS', 'GET')
    .option('--expires <seconds>', 'how long the URL works (at most 7 days)', '3600')
    .option('--content-type <type>', 'PUT and TUS: the type the upload must have')
    .description('A URL that works without an API key')
    .action(
      run(async (ctx, path: string, opts: { method: string; expires: string; contentType?: string }) => {
        needKey(ctx);
        const { bucket, key } = needRemote(path, 'the path');
        const method = opts.method.toUpperCase();
        if (!['GET', 'PUT', 'TUS'].includes(method)) throw new ConfigError(`--method is GET, PUT or TUS, got '${opts.method}'`);
        const expiresIn = Number(opts.expires);
        if (!Number.isInteger(expiresIn) || expiresIn < 1) throw new ConfigError(`--expires takes seconds, got '${opts.expires}'`);
        const p = await ctx.client.objects.presign({ bucket, key, method: method as 'GET', expiresIn, ...(opts.contentType && { contentType: opts.contentType }) });
        ctx.out(p, p.url);
      }),
    );

  // Webhooks.
  const webhooks = cli.command('webhooks').description('Webhook subscriptions and their deliveries');
  webhooks
    .command('create')
    .argument('<url>', 'where events are POSTed')
    .option('--events <types...>', 'event types or families', ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'])
    .option('--bucket <bucket>')
    .option('--prefix <prefix>')
    .option('--suffix <suffix>')
    .option('--description <text>')
    .description('Subscribe a URL; the signing secret is shown once')
    .action(
      run(async (ctx, url: string, opts: { events: string[]; bucket?: string; prefix?: string; suffix?: string; description?: string }) => {
        needKey(ctx);
        const filter = Object.fromEntries(Object.entries({ bucket: opts.bucket, prefix: opts.prefix, suffix: opts.suffix }).filter(([, v]) => v !== undefined));
        const hook = await ctx.client.webhooks.create({ url, events: opts.events, filter, ...(opts.description && { description: opts.description }) });
        ctx.out(hook, `created ${hook.id} → ${hook.url}\nsigning secret (shown once): ${hook.secret}`);
      }),
    );
  webhooks
    .command('list')
    .description('Every subscription')
    .action(
      run(async (ctx) => {
        needKey(ctx);
        const list = await collect(ctx.client.webhooks.list());
        ctx.out(list, table(list.map((w) => [w.id, w.enabled ? 'enabled' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`, w.events.join(','), w.url])));
      }),
    );
  webhooks
    .command('deliveries')
    .argument('<id>', 'subscription id')
    .option('--status <status>', 'pending, failed, delivered or dead')
    .option('--limit <n>', 'at most this many, newest first', '50')
    .description('Its deliveries, with their attempts')
    .action(
      run(async (ctx, id: string, opts: { status?: 'pending'; limit: string }) => {
        needKey(ctx);
        const list = await collect(ctx.client.webhooks.deliveries(id, { status: opts.status, pageSize: Math.min(1000, Number(opts.limit)) }), Number(opts.limit));
        ctx.out(list, table(list.map((d) => [d.id, d.status, `${d.attempts} attempt(s)`, d.lastStatus === null ? '-' : String(d.lastStatus), d.eventId])));
      }),
    );
  webhooks
    .command('retry')
    .argument('<id>', 'subscription id')
    .argument('<deliveryId>')
    .description('Deliver again now')
    .action(
      run(async (ctx, id: string, deliveryId: string) => {
        needKey(ctx);
        const r = await ctx.client.webhooks.retry(id, deliveryId);
        ctx.out(r, `${r.id} queued again`);
      }),
    );
  webhooks
    .command('replay')
    .argument('<id>', 'subscription id')
    .requiredOption('--since <time>', 'ISO 8601 time')
    .option('--until <time>', 'ISO 8601 time')
    .description('Send again every logged event since a time that the subscription matches')
    .action(
      run(async (ctx, id: string, opts: { since: string; until?: string }) => {
        needKey(ctx);
        const r = await ctx.client.webhooks.replay(id, { since: opts.since, ...(opts.until && { until: opts.until }) });
        ctx.out(r, `queued ${JSON.stringify(r)}`);
      }),
    );

  const events = cli.command('events').description('Object events');
  events
    .command('tail')
    .option('--bucket <bucket>')
    .option('--prefix <prefix>')
    .option('--types <types...>', 'event types or families')
    .option('--count <n>', 'stop after this many events')
    .description('Print events as they are recorded (GraphQL subscription over WebSocket) until interrupted')
    .action(
      run(async (ctx, opts: { bucket?: string; prefix?: string; types?: string[]; count?: string }) => {
        needKey(ctx);
        const limit = opts.count === undefined ? Infinity : Number(opts.count);
        const ws = createWsClient({ url: ctx.remote.url.replace(/^http/, 'ws') + '/graphql', connectionParams: { authorization: `Bearer ${ctx.remote.apiKey}` }, retryAttempts: 0 });
        const query = 'subscription($bucket: String, $prefix: String, $types: [String!]) { objectEvents(bucket: $bucket, prefix: $prefix, types: $types) { id type timestamp data { tenant bucket key size etag source } } }';
        let seen = 0;
        try {
          await new Promise<void>((resolve, reject) => {
            const stop = ws.subscribe<{ objectEvents: ObjectEvent }>(
              { query, variables: { bucket: opts.bucket, prefix: opts.prefix, types: opts.types } },
              {
                next: ({ data, errors }) => {
                  if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
                  const e = data!.objectEvents;
                  ctx.out(e, `${e.timestamp}  ${e.type.padEnd(40)}  ${e.data.bucket}/${e.data.key}${e.data.size === null ? '' : `  ${e.data.size}`}`);
                  if (++seen >= limit) {
                    stop();
                    resolve();
                  }
                },
                error: (err) => reject(err instanceof Error ? err : new Error((err as { reason?: string }).reason || 'the subscription closed')),
                complete: () => resolve(),
              },
            );
            process.once('SIGINT', () => {
              stop();
              resolve();
            });
            // Tells a script reading stderr that events recorded from now on will be printed.
            ws.on('connected', () => process.stderr.write(`listening for events on ${ctx.remote.url}\n`));
          });
        } finally {
          await ws.dispose();
        }
      }),
    );
}

/** Exit status of a failed command: 3 not found, 4 the gateway unreachable, 1 anything else it refused. */
export function exitStatusOf(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof S3gateError) return { status: err.code.endsWith('_NOT_FOUND') ? 3 : 1, message: `${err.code}: ${err.message}` };
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (err instanceof TypeError && (err.message === 'fetch failed' || cause?.code)) {
    return { status: 4, message: `cannot reach the gateway (${cause?.code ?? cause?.message ?? err.message}); is it running, and is --url / S3GATE_URL right?` };
  }
  return undefined;
}
