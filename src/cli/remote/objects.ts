// The CLI's commands that talk to a running gateway, through the typed client (clients/typescript): the
// same API and error codes as any other caller. Output is for a person, or JSON with --json.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ConfigError } from '../../config.js';
import { Progress } from '../progress.js';
import { collect, needKey, needRemote, remotePath, table, type Run } from './context.js';

/** Buckets of the tenant (API key): list, create, delete. */
export function bucketCommands(cli: Command, run: Run): void {
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
}

/** Objects (API key): ls, cp, rm, presign. */
export function objectCommands(cli: Command, run: Run): void {
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
        ctx.out(
          { prefixes, objects },
          [...prefixes.map((p) => `${''.padEnd(24)}  ${'DIR'.padStart(12)}  ${p}`), ...objects.map((o) => `${o.lastModified}  ${String(o.size).padStart(12)}  ${o.key}`)].join('\n'),
        );
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
          const metadata = Object.fromEntries(
            (opts.meta ?? []).map((m) => {
              const i = m.indexOf('=');
              if (i <= 0) throw new ConfigError(`--meta takes name=value, got '${m}'`);
              return [m.slice(0, i), m.slice(i + 1)];
            }),
          );
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
        ctx.out(
          { bucket: src.bucket, key: src.key, file: target, etag: download.etag, ...figures },
          `downloaded s3gate://${src.bucket}/${src.key} to ${target}: ${figures.bytes} bytes in ${figures.seconds} s (${figures.mbps} MB/s)`,
        );
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
          const r = await ctx.client.objects.deleteMany(
            bucket,
            batch.map((o) => o.key),
          );
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
}
