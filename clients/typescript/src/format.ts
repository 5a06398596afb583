// Readable figures for people: what the console and the CLI show of sizes and durations.

const SIZE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** A size in decimal units, as storage is sold: 1 KB = 1,000 bytes ("18 KB", "1.23 GB"). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Math.abs(n) < 1000) return `${Math.round(n)} ${Math.round(n) === 1 ? 'byte' : 'bytes'}`;
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: v < 10 ? 2 : v < 100 ? 1 : 0 })} ${SIZE_UNITS[i]}`;
}

/** Milliseconds as ms below a second, s below a minute, then min and s. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1) return `${ms.toLocaleString(undefined, { maximumFractionDigits: 2 })} ms`;
  if (ms < 1000) return `${ms.toLocaleString(undefined, { maximumFractionDigits: ms < 10 ? 1 : 0 })} ms`;
  if (ms < 60_000) return `${(ms / 1000).toLocaleString(undefined, { maximumFractionDigits: ms < 10_000 ? 2 : 1 })} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${min} min ${s} s` : `${min} min`;
}
