// A time-series chart drawn by uPlot (bundled, no CDN: the console works offline), with the same numbers
// as a table: always present for screen readers, and shown instead of the chart on request.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { bytes, count, duration, localTime } from './format.js';

export type Unit = 'count' | 'bytes' | 'ms';
export interface Line {
  label: string;
  values: (number | null)[];
  color: string;
}

const FORMAT: Record<Unit, (v: number) => string> = { count: (v) => count(Math.round(v * 100) / 100), bytes, ms: duration };
const HEIGHT = 180;

export const COLORS = { blue: '#0b63ce', red: '#b42318', orange: '#dc6803', green: '#067647', grey: '#5b6470', purple: '#6938ef' };

/**
 * One chart: `times` are the points' ISO times, every line has a value per point (null: nothing
 * measured). `name` labels the figure and its table (data-chart, for tests and screen readers).
 */
export function Chart({ name, title, unit, times, lines }: { name: string; title: string; unit: Unit; times: string[]; lines: Line[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [asTable, setAsTable] = useState(false);
  const fmt = FORMAT[unit];
  const data: uPlot.AlignedData = [times.map((t) => Date.parse(t) / 1000), ...lines.map((l) => l.values)];
  const labels = lines.map((l) => l.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el || asTable) return;
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        series: [
          { value: (_u, v) => (v === null ? '' : localTime(new Date(v * 1000).toISOString())) },
          ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, points: { size: 5, show: unit === 'ms' }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v)) })),
        ],
        axes: [{}, { values: (_u, splits) => splits.map(fmt), size: 70 }],
        scales: { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        legend: { live: true },
      },
      data,
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [labels, unit, asTable]);
  useEffect(() => plot.current?.setData(data), [data]);

  const summary = lines
    .map((l) => `${l.label}: ${fmt(l.values.reduce<number>((a, v) => (unit === 'ms' ? Math.max(a, v ?? 0) : a + (v ?? 0)), 0))}${unit === 'ms' ? ' at most' : ' in all'}`)
    .join('; ');
  return (
    <figure class="chart" data-chart={name}>
      <figcaption>
        <strong>{title}</strong>
        <button type="button" class="link-button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Chart' : 'Table'}
        </button>
      </figcaption>
      {!asTable && <div ref={box} class="plot" role="img" aria-label={`${title}. ${summary}`} />}
      <div class={asTable ? 'table-scroll' : 'sr-only'}>
        <table class="values" aria-label={title}>
          <thead>
            <tr>
              <th>Time</th>
              {lines.map((l) => (
                <th>{l.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {times.map((t, i) => (
              <tr data-t={t}>
                <td>{localTime(t)}</td>
                {lines.map((l) => (
                  <td data-value={l.values[i] ?? ''}>{l.values[i] === null ? '–' : fmt(l.values[i]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
