import { Transform } from 'node:stream';

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

export interface TransferReport {
  bytes: number;
  seconds: number;
  /** Megabytes (10^6) per second. */
  mbps: number;
}

/**
 * Counts the bytes that pass and, on a terminal, redraws one line of progress (bytes, percent when the
 * size is known, throughput) at most five times a second. Nothing is held: each chunk goes straight on.
 */
export class Progress {
  readonly #total: number | undefined;
  readonly #out: NodeJS.WriteStream;
  readonly #label: string;
  readonly #started = performance.now();
  #bytes = 0;
  #drawn = 0;

  constructor(label: string, total: number | undefined, out: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#out = out;
  }

  /** A pass-through stream that counts. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.add(chunk.length);
        done(null, chunk);
      },
    });
  }

  add(n: number): void {
    this.#bytes += n;
    const now = performance.now();
    if (this.#out.isTTY && now - this.#drawn > 200) {
      this.#drawn = now;
      this.#out.write(`\r\x1b[K${this.#line()}`);
    }
  }

  /** Ends the line on a terminal; returns the figures. */
  done(): TransferReport {
    const seconds = (performance.now() - this.#started) / 1000;
    if (this.#out.isTTY) this.#out.write('\r\x1b[K');
    return { bytes: this.#bytes, seconds: Number(seconds.toFixed(3)), mbps: Number((this.#bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(1)) };
  }

  #line(): string {
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = `${(this.#bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(1)} MB/s`;
    if (this.#total === undefined || this.#total === 0) return `${this.#label}  ${mib(this.#bytes)}  ${rate}`;
    const ratio = Math.min(1, this.#bytes / this.#total);
    const width = 24;
    const bar = '#'.repeat(Math.round(ratio * width)).padEnd(width, '.');
    return `${this.#label}  [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${mib(this.#bytes)} / ${mib(this.#total)}  ${rate}`;
  }
}
