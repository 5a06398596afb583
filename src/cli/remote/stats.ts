import type { Command } from 'commander';
import { formatBytes, formatDuration, type TenantStats } from '../../../clients/typescript/src/index.js';
import { ConfigError } from '../../config.js';
import { needAdmin, needKey, type Run, table } from './context.js';

type Figures = TenantStats['totals'];
const FACES = [
  ['rest', 'REST'],
  ['graphql', 'GraphQL'],
  ['s3', 'S3'],
  ['tus', 'tus'],
] as const;

const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const latency = (p: Figures['latencyMs']) => (p ? `p50 ${formatDuration(p.p50)}, p90 ${formatDuration(p.p90)}, p99 ${formatDuration(p.p99)}` : '-');

/** The figures of a window as lines a person reads. */
function describe(f: Figures, header: string): string {
  const requests = FACES.map(([face]) => total(f.requests[face])).reduce((a, b) => a + b, 0);
  const cls = (c: '4xx' | '5xx') => FACES.map(([face]) => f.requests[face][c]).reduce((a, b) => a + b, 0);
  return [
    header,
    `requests      ${requests} (${FACES.map(([face, name]) => `${name} ${total(f.requests[face])}`).join(', ')})`,
    `errors        4xx ${cls('4xx')}, 5xx ${cls('5xx')}`,
    `bytes         in ${formatBytes(f.bytesIn)}, out ${formatBytes(f.bytesOut)}`,
    `latency       ${latency(f.latencyMs)}`,
    `events        ${f.events}`,
    `deliveries    ${f.deliveries.succeeded} delivered, ${f.deliveries.failed} failed attempts; event to delivery ${latency(f.deliveryLatencyMs)}`,
    `rate-limited  ${f.rateLimited}`,
  ].join('\n');
}

/** Recent figures: the tenant's own (API key), or the gateway's with its tenants ranked (--gateway, admin token). */
export function statsCommands(cli: Command, run: Run): void {
  cli
    .command('stats')
    .description("Recent figures: your tenant's (API key), or with --gateway every request and the busiest tenants (admin token)")
    .option('--window <window>', '10m (per 10 s) or 1h (per minute)', '10m')
    .option('--gateway', 'the whole gateway and its tenants ranked (admin token)')
    .option('--sort <by>', 'with --gateway: rank tenants by requests or errors', 'requests')
    .action(
      run(async (ctx, opts: { window: string; gateway?: boolean; sort: string }) => {
        if (opts.window !== '10m' && opts.window !== '1h') throw new ConfigError(`--window must be 10m or 1h, got '${opts.window}'`);
        if (opts.sort !== 'requests' && opts.sort !== 'errors') throw new ConfigError(`--sort must be requests or errors, got '${opts.sort}'`);
        const window = opts.window;
        if (!opts.gateway) {
          needKey(ctx);
          const s = await ctx.client.stats.get(window);
          ctx.out(s, describe(s.totals, `last ${window}, counted by ${s.scope === 'cluster' ? 'every gateway process' : 'one gateway process'}; ${s.pendingDeliveries} deliveries pending`));
          return;
        }
        needAdmin(ctx);
        const s = await ctx.client.stats.admin({ window, sort: opts.sort, limit: 20 });
        const ranked = table([
          ['TENANT', 'REQUESTS', 'ERRORS', 'IN', 'OUT', 'P99'],
          ...s.tenants.map((r) => [r.tenant, String(r.requests), String(r.errors), formatBytes(r.bytesIn), formatBytes(r.bytesOut), r.latencyMs ? formatDuration(r.latencyMs.p99) : '-']),
        ]);
        ctx.out(s, `${describe(s.totals, `the gateway, last ${window} (${s.scope === 'cluster' ? 'every process' : 'this process'})`)}\n\n${ranked}`);
      }),
    );
}
