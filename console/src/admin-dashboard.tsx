import { useState } from 'preact/hooks';
import type { S3gate, StatsWindow } from '../../clients/typescript/src/index.js';
import { Chart, COLORS } from './chart.js';
import { Tile, TrafficCharts, TrafficTiles, usePoll, WindowPicker } from './dashboard.js';
import { ErrorBox } from './error-box.js';
import { Bytes, count, duration, percent } from './format.js';

/** #/stats (admin token): every request of the gateway, its tenants ranked, its pools over time. */
export function AdminDashboard({ client }: { client: S3gate }) {
  const [window, setWindow] = useState<StatsWindow>('10m');
  const [sort, setSort] = useState<'requests' | 'errors'>('requests');
  const { data, error } = usePoll(() => client.stats.admin({ window, sort, limit: 20 }), [window, sort]);
  const times = data?.points.map((p) => p.t) ?? [];
  return (
    <main>
      <div class="card">
        <div class="row">
          <h2 style="margin:0;flex:1">Gateway</h2>
          <WindowPicker value={window} onChange={setWindow} />
        </div>
        <ErrorBox error={error} />
        {!data ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <div class="tiles">
              <TrafficTiles totals={data.totals} />
              <Tile name="deliveries" label="Delivered · failed">
                {count(data.totals.deliveries.succeeded)} · {count(data.totals.deliveries.failed)}
              </Tile>
              <Tile name="pool" label="Sockets in use · queued (peak)">
                {count(data.totals.pool.inUse)} · {count(data.totals.pool.queued)}
              </Tile>
            </div>
            <p class="muted">
              Every request {data.scope === 'cluster' ? 'every gateway process' : 'this process'} answered (health checks and the console's files too). This process keeps figures for{' '}
              {count(data.tracked.tenants)} tenants (at most {count(data.tracked.limit)}).
            </p>
          </>
        )}
      </div>
      {data && (
        <>
          <div class="card">
            <div class="row">
              <h3 style="margin:0;flex:1">Tenants by {sort}</h3>
              <fieldset class="row choice" aria-label="rank by">
                {(['requests', 'errors'] as const).map((s) => (
                  <button type="button" class={s === sort ? 'primary' : ''} aria-pressed={s === sort} onClick={() => setSort(s)}>
                    {s === 'requests' ? 'Traffic' : 'Errors'}
                  </button>
                ))}
              </fieldset>
            </div>
            {data.tenants.length === 0 ? (
              <p class="muted">No tenant made a request in this window.</p>
            ) : (
              <table aria-label="tenants ranked">
                <thead>
                  <tr>
                    <th>Tenant</th>
                    <th>Requests</th>
                    <th>Errors</th>
                    <th class="hide-narrow">In · out</th>
                    <th class="hide-narrow">p50 · p99</th>
                    <th class="hide-narrow">429s</th>
                  </tr>
                </thead>
                <tbody>
                  {data.tenants.map((r) => (
                    <tr data-rank-tenant={r.tenant}>
                      <td>{r.tenant}</td>
                      <td data-value={r.requests}>{count(r.requests)}</td>
                      <td data-value={r.errors}>
                        {count(r.errors)} <span class="muted">{percent(r.errors, r.requests)}</span>
                      </td>
                      <td class="hide-narrow">
                        <Bytes n={r.bytesIn} /> · <Bytes n={r.bytesOut} />
                      </td>
                      <td class="hide-narrow">{r.latencyMs ? `${duration(r.latencyMs.p50)} · ${duration(r.latencyMs.p99)}` : '–'}</td>
                      <td class="hide-narrow">{count(r.rateLimited)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <div class="charts">
            <TrafficCharts points={data.points} prefix="gateway-" />
            <Chart
              name="pool"
              title="Pool use (peaks)"
              unit="count"
              times={times}
              lines={[
                { label: 'sockets in use', values: data.points.map((p) => p.pool.inUse), color: COLORS.blue },
                { label: 'queued', values: data.points.map((p) => p.pool.queued), color: COLORS.red },
                { label: 'live tenants', values: data.liveTenants, color: COLORS.grey },
              ]}
            />
          </div>
        </>
      )}
    </main>
  );
}
