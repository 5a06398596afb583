import { useEffect, useState } from 'preact/hooks';
import { formatBytes, formatDuration } from '../../clients/typescript/src/format.js';

// Readable values: sizes in KB/MB/GB (exact bytes on hover), times in the browser's locale and zone
// (relative for recent ones: "3 min ago"), durations in ms/s/min.

/** Decimal units, as storage is sold: 1 KB = 1,000 bytes. */
export const bytes = formatBytes;
export const duration = formatDuration;

/** A size, readable, with the exact count on hover. */
export function Bytes({ n }: { n: number | null | undefined }) {
  if (n === null || n === undefined) return null;
  return (
    <span title={`${n.toLocaleString()} bytes`} data-bytes={n}>
      {bytes(n)}
    </span>
  );
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const STEPS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
];

/** "3 min ago" within a day, else undefined. */
export function relative(iso: string, now = Date.now()): string | undefined {
  let v = (Date.parse(iso) - now) / 1000;
  if (!Number.isFinite(v) || Math.abs(v) >= 86_400) return undefined;
  if (Math.abs(v) < 10) return relativeFormat.format(0, 'second');
  for (const [size, unit] of STEPS) {
    if (Math.abs(v) < size) return relativeFormat.format(Math.round(v), unit);
    v /= size;
  }
  return undefined;
}

/** A time in the browser's locale and zone. */
export const localTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Re-renders every relative time on the page every 15 s, from one timer. */
const ticking = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | undefined;
function useTick(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    ticking.add(fn);
    ticker ??= setInterval(() => {
      for (const f of ticking) f();
    }, 15_000);
    return () => {
      ticking.delete(fn);
      if (ticking.size === 0 && ticker) {
        clearInterval(ticker);
        ticker = undefined;
      }
    };
  }, []);
}

/** A time, relative when recent, in the locale otherwise; the full local time and the ISO string on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  useTick();
  if (!iso) return null;
  const rel = relative(iso);
  return (
    <time dateTime={iso} title={`${localTime(iso)} (${iso})`}>
      {rel ?? localTime(iso)}
    </time>
  );
}

/** A count with the locale's grouping. */
export const count = (n: number) => n.toLocaleString();

/** A share as a percentage, or a dash when there is nothing to share. */
export const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toLocaleString(undefined, { maximumFractionDigits: 1 })} %` : '–');
