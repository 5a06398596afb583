import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { S3gate } from '../../../clients/typescript/src/index.js';
import { ConfigError } from '../../config.js';
import { resolveRemote, type GlobalFlags, type Remote } from '../settings.js';

export type Flags = GlobalFlags & { json?: boolean };

/** A remote location: s3gate://bucket/key (key may be empty or end with /). */
export function remotePath(arg: string): { bucket: string; key: string } | undefined {
  const m = /^s3gate:\/\/([^/]+)\/?(.*)$/.exec(arg);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

export function needRemote(arg: string, what: string): { bucket: string; key: string } {
  const r = remotePath(arg);
  if (!r) throw new ConfigError(`${what} must be s3gate://bucket/key, got '${arg}'`);
  return r;
}

export interface Ctx {
  remote: Remote;
  json: boolean;
  client: S3gate;
  out: (value: unknown, text: string) => void;
}

export function context(cmd: Command, env: NodeJS.ProcessEnv, home: string): Ctx {
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

export function needKey(ctx: Ctx): void {
  if (!ctx.remote.apiKey) throw new ConfigError('this command acts as a tenant: pass --api-key, set S3GATE_API_KEY, or save it in a profile (s3gate profile set default --api-key …)');
}

export function needAdmin(ctx: Ctx): void {
  if (!ctx.remote.adminToken) throw new ConfigError('this command needs the admin token: pass --admin-token, set S3GATE_ADMIN_TOKEN, or save it in a profile');
}

export const table = (rows: string[][]) => {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
};

export async function collect<T>(it: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length >= limit) break;
  }
  return out;
}

export function tenantBody(opts: { file?: string; driver?: string; endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string }, id: string): Record<string, unknown> {
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

/** Wraps a command's action: it gets the context of its flags (global ones included), then its arguments. */
export type Run = (fn: (ctx: Ctx, ...args: any[]) => Promise<void>) => (this: Command, ...args: unknown[]) => Promise<void>;

export function runner(env: NodeJS.ProcessEnv, home: string): Run {
  return (fn) =>
    async function (this: Command, ...args: unknown[]) {
      await fn(context(this, env, home), ...args);
    };
}
