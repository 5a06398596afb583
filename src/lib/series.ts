/**
 * Recent figures in fixed memory: a ring of time slots, each a Float64Array of counters. A slot is
 * allocated when something is first recorded in it and reused when the ring comes round, so a key
 * that saw one request holds one slot, not the whole ring.
 */
export class SlotRing {
  /** Each slot's counters, then the start (ms since the epoch) of the time it holds now. */
  readonly #slots: (Float64Array | undefined)[];

  constructor(
    readonly stepMs: number,
    readonly length: number,
    readonly fields: number,
  ) {
    this.#slots = new Array(length);
  }

  /** The slot of the time `now`, zeroed if it last held an older time. */
  slot(now: number): Float64Array {
    const start = now - (now % this.stepMs);
    const i = Math.floor(start / this.stepMs) % this.length;
    let slot = this.#slots[i];
    if (!slot) slot = this.#slots[i] = new Float64Array(this.fields + 1);
    else if (slot[this.fields] !== start) slot.fill(0);
    slot[this.fields] = start;
    return slot;
  }

  /** The ring's slots from the oldest to the one holding `now`: every step, undefined where nothing was recorded. */
  *read(now: number): Generator<{ start: number; values: Float64Array | undefined }> {
    const last = now - (now % this.stepMs);
    for (let start = last - (this.length - 1) * this.stepMs; start <= last; start += this.stepMs) {
      const slot = this.#slots[Math.floor(start / this.stepMs) % this.length];
      yield { start, values: slot && slot[this.fields] === start ? slot.subarray(0, this.fields) : undefined };
    }
  }

  /** Whether anything was recorded within the ring's span before `now`. */
  live(now: number): boolean {
    const oldest = now - (now % this.stepMs) - (this.length - 1) * this.stepMs;
    for (const slot of this.#slots) if (slot && slot[this.fields] >= oldest) return true;
    return false;
  }
}

/**
 * A latency histogram laid out in a slot: bucket i counts values up to FIRST_MS × 2^i ms, the last
 * bucket everything above. 24 buckets reach 70 minutes (a delivery retried for an hour).
 */
export const HISTOGRAM_BUCKETS = 24;
const FIRST_MS = 0.5;

export function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(HISTOGRAM_BUCKETS - 1, Math.ceil(Math.log2(ms / FIRST_MS)));
}

/**
 * The value under which a fraction q of a histogram's counts lie, interpolated geometrically inside
 * its bucket (so within the bucket's factor of 2). `counts` is read from `offset` on. Null when empty.
 */
export function quantile(counts: ArrayLike<number>, offset: number, q: number): number | null {
  let total = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) total += counts[offset + i];
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
    const n = counts[offset + i];
    if (n > 0 && seen + n >= rank) {
      const upper = FIRST_MS * 2 ** i;
      const lower = i === 0 ? 0 : upper / 2;
      if (i === 0) return upper * ((rank - seen) / n);
      return lower * 2 ** ((rank - seen) / n);
    }
    seen += n;
  }
  return FIRST_MS * 2 ** (HISTOGRAM_BUCKETS - 1);
}

/**
 * Keys in least-recently-used order with at most `max` of them: what `touch` adds past it evicts the
 * key touched longest ago. Map keeps insertion order, so moving a key to the end is a delete and a set.
 */
export class BoundedMap<V> {
  readonly #map = new Map<string, V>();
  #last: string | undefined;
  evicted = 0;

  constructor(
    readonly max: number,
    /** Told of each key forgotten to keep the bound. */
    readonly onEvict: (key: string, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.#map.size;
  }

  touch(key: string, make: () => V): V {
    let v = this.#map.get(key);
    if (v !== undefined) {
      // Already the most recent: a busy key touched again and again moves nowhere.
      if (key === this.#last) return v;
      this.#map.delete(key);
      this.#map.set(key, v);
      this.#last = key;
      return v;
    }
    this.#last = key;
    v = make();
    this.#map.set(key, v);
    if (this.#map.size > this.max) {
      const [oldest, value] = this.#map.entries().next().value!;
      this.#map.delete(oldest);
      this.evicted++;
      this.onEvict(oldest, value);
    }
    return v;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  delete(key: string): void {
    this.#map.delete(key);
    if (key === this.#last) this.#last = undefined;
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}
