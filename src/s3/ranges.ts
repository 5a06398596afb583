import type { ByteRange } from '../model/object-store.js';

/**
 * Parses a Range header. Only one `bytes` range is served; anything else is ignored, as RFC 9110
 * §14.2 allows, and the whole object is sent (S3 does the same with several ranges).
 */
export function parseRange(header: string | undefined): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  // Positions past 2^53 are beyond any object (S3's largest is 5 TiB) but lose their digits as
  // numbers (1e+23 is no range S3 reads): an end that far means the end of the object, a start
  // that far a range past it, and a suffix that long the whole object.
  const huge = (digits: string) => !Number.isSafeInteger(Number(digits));
  if (a === '') return { suffix: huge(b) ? Number.MAX_SAFE_INTEGER : Number(b) };
  const start = huge(a) ? Number.MAX_SAFE_INTEGER : Number(a);
  if (b === '' || huge(b)) return { start };
  const end = Number(b);
  if (end < start) return undefined;
  return { start, end };
}

export function formatRange(r: ByteRange): string {
  return 'suffix' in r ? `bytes=-${r.suffix}` : `bytes=${r.start}-${r.end ?? ''}`;
}

/** Resolves a range against a size: inclusive [start, end], or undefined when unsatisfiable. */
export function resolveRange(r: ByteRange, size: number): { start: number; end: number } | undefined {
  if ('suffix' in r) {
    if (r.suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - r.suffix), end: size - 1 };
  }
  if (r.start >= size) return undefined;
  return { start: r.start, end: Math.min(r.end ?? size - 1, size - 1) };
}
