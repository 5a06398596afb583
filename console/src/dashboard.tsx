import { useEffect, useState } from 'preact/hooks';
import type { S3gate, StatsWindow, TenantStats } from '../../clients/typescript/src/index.js';
import { Chart, COLORS } from './chart.js';
import { ErrorBox } from './error-box.js';
import { Bytes, count, duration, percent } from './format.js';

type Point = TenantStats['points'][number];
type Figures = TenantStats['totals'];
const FACES = ['rest', 'graphql', 's3', 'tus'] as const;
const FACE_NAMES = { rest: 'REST', graphql: 'GraphQL', s3: 'S3', tus: 'tus' };
const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

/** Requests of a point (or the totals), all faces, by class. */
export function requestsOf(p: Pick<Figures, 'requests'>): { all: number; clientErrors: number; serverErrors: number } {
  let all = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  for (const f of FACES) {
    const c = p.requests[f];
    all += c['2xx'] + c['3xx'] + c['4xx'] + c['5xx'];
    clientErrors += c['4xx'];
    serverErrors += c['5xx'];
  }
  return { all, clientErrors, serverErrors };
}

/** Polls `load` every `ms` while mounted (and when its deps change). */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], ms = 10_000): { data: T | null; error: unknown } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (d) => live && (setData(d), setError(null)),
        (e) => live && setError(e),
      );
    void run();
    const timer = setInterval(run, ms);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, deps);
  return { data, error };
}

export function WindowPicker({ value, onChange }: { value: StatsWindow; onChange: (w: StatsWindow) => void }) {
  return (
    <fieldset class="row choice" aria-label="window">
      {(['10m', '1h'] as const).map((w) => (
        <button type="button" class={w === value ? 'primary' : ''} aria-pressed={w === value} onClick={() => onChange(w)}>
          {w === '10m' ? 'Last 10 minutes' : 'Last hour'}
        </button>
      ))}
    </fieldset>
  );
}

export function Tile({ name, label, children }: { name: string; label: string; children: preact.ComponentChildren }) {
  return (
    <div class="tile" data-tile={name}>
      <div class="muted">{label}</div>
      <div class="figure">{children}</div>
    </div>
  );
}

/** The tiles every series of requests has: requests, errors and their share, bytes in and out. */
export function TrafficTiles({ totals }: { totals: Figures }) {
  const req = requestsOf(totals);
  return (
    <>
      <Tile name="requests" label="Requests">
        {count(req.all)}
      </Tile>
      <Tile name="errors" label="Errors (4xx · 5xx)">
        {count(req.clientErrors)} · {count(req.serverErrors)} <span class="muted">{percent(req.clientErrors + req.serverErrors, req.all)}</span>
      </Tile>
      <Tile name="bytes" label="In · out">
        <Bytes n={totals.bytesIn} /> · <Bytes n={totals.bytesOut} />
      </Tile>
    </>
  );
}

/** The charts every series of requests has: requests and errors, bytes, latency. */
export function TrafficCharts({ points, prefix = '' }: { points: Point[]; prefix?: string }) {
  const times = points.map((p) => p.t);
  const req = points.map(requestsOf);
  return (
    <>
      <Chart
        name={`${prefix}requests`}
        title="Requests and errors"
        unit="count"
        times={times}
        lines={[
          { label: 'requests', values: req.map((r) => r.all), color: COLORS.blue },
          { label: '4xx', values: req.map((r) => r.clientErrors), color: COLORS.orange },
          { label: '5xx', values: req.map((r) => r.serverErrors), color: COLORS.red },
        ]}
      />
      <Chart
        name={`${prefix}bytes`}
        title="Bytes in and out"
        unit="bytes"
        times={times}
        lines={[
          { label: 'in', values: points.map((p) => p.bytesIn), color: COLORS.purple },
          { label: 'out', values: points.map((p) => p.bytesOut), color: COLORS.green },
        ]}
      />
      <Chart
        name={`${prefix}latency`}
        title="Latency"
        unit="ms"
        times={times}
        lines={[
          { label: 'p50', values: points.map((p) => p.latencyMs?.p50 ?? null), color: COLORS.blue },
          { label: 'p90', values: points.map((p) => p.latencyMs?.p90 ?? null), color: COLORS.orange },
          { label: 'p99', values: points.map((p) => p.latencyMs?.p99 ?? null), color: COLORS.red },
        ]}
      />
    </>
  );
}

/** #/dashboard (API key): the tenant's traffic, latency and event delivery over the last 10 minutes or hour. */
export function Dashboard({ client }: { client: S3gate }) {
  const [window, setWindow] = useState<StatsWindow>('10m');
  const { data, error } = usePoll(() => client.stats.get(window), [window]);
  const t = data?.totals;
  const times = data?.points.map((p) => p.t) ?? [];
  return (
    <main>
      <div class="card">
        <div class="row">
          <h2 style="margin:0;flex:1">Dashboard</h2>
          <WindowPicker value={window} onChange={setWindow} />
        </div>
        <ErrorBox error={error} />
        {!data || !t ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <div class="tiles">
              <TrafficTiles totals={t} />
              <Tile name="latency" label="Latency p50 · p99">
                {t.latencyMs ? `${duration(t.latencyMs.p50)} · ${duration(t.latencyMs.p99)}` : '–'}
              </Tile>
              <Tile name="deliveries" label="Delivered · failed · pending">
                {count(t.deliveries.succeeded)} · {count(t.deliveries.failed)} · {count(data.pendingDeliveries)}
              </Tile>
              <Tile name="rate-limited" label="Rate-limited">
                {count(t.rateLimited)}
              </Tile>
            </div>
            <p class="muted">
              By face: <span data-faces>{FACES.map((f) => `${FACE_NAMES[f]} ${count(sum(t.requests[f]))}`).join(' · ')}</span>.{' '}
              {data.scope === 'cluster' ? 'Counted by every gateway process,' : 'Counted by the gateway process that answered this page,'} {data.stepSeconds} s per point.
            </p>
          </>
        )}
      </div>
      {data && (
        <div class="charts">
          <TrafficCharts points={data.points} />
          <Chart
            name="events"
            title="Events and deliveries"
            unit="count"
            times={times}
            lines={[
              { label: 'events', values: data.points.map((p) => p.events), color: COLORS.purple },
              { label: 'delivered', values: data.points.map((p) => p.deliveries.succeeded), color: COLORS.green },
              { label: 'failed attempts', values: data.points.map((p) => p.deliveries.failed), color: COLORS.red },
            ]}
          />
          <Chart
            name="delivery-latency"
            title="Event to delivery"
            unit="ms"
            times={times}
            lines={[
              { label: 'p50', values: data.points.map((p) => p.deliveryLatencyMs?.p50 ?? null), color: COLORS.blue },
              { label: 'p99', values: data.points.map((p) => p.deliveryLatencyMs?.p99 ?? null), color: COLORS.red },
            ]}
          />
        </div>
      )}
    </main>
  );
}
