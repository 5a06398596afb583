import { Readable } from 'node:stream';

/**
 * A stream of exactly the next `n` bytes of `source`, read on demand (back-pressure is kept, nothing is
 * buffered beyond one chunk); what it reads past `n` is put back into `source` for the next slice. Fails
 * when `source` ends or fails before `n` bytes. `source` must be in paused mode (no 'data' listener).
 */
export function take(source: Readable, n: number): Readable {
  let left = n;
  let waiting = false;
  const cleanup = () => {
    source.off('readable', onReadable);
    source.off('end', onEnd);
    source.off('error', onError);
    source.off('close', onClose);
  };
  const onReadable = () => {
    waiting = false;
    pump();
  };
  const onEnd = () => {
    if (left > 0) out.destroy(new Error(`the body ended ${left} bytes early`));
  };
  const onError = (err: Error) => out.destroy(err);
  const onClose = () => {
    if (left > 0 && !source.readableEnded) out.destroy(new Error('the body was closed early'));
  };
  const pump = () => {
    while (left > 0) {
      let chunk = source.read() as Buffer | null;
      if (chunk === null) {
        if (source.readableEnded) return onEnd();
        if (!waiting) {
          waiting = true;
          source.once('readable', onReadable);
        }
        return;
      }
      if (chunk.length > left) {
        source.unshift(chunk.subarray(left));
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      const more = out.push(chunk);
      if (left === 0) {
        cleanup();
        out.push(null);
        return;
      }
      if (!more) return;
    }
  };
  const out = new Readable({
    read: pump,
    destroy(err, cb) {
      cleanup();
      cb(err);
    },
  });
  source.on('end', onEnd);
  source.on('error', onError);
  source.on('close', onClose);
  if (n === 0) out.push(null);
  return out;
}

/**
 * Reads up to `max` bytes of `source` into memory (what it reads past `max` is put back): resolves when
 * it has them, when `source` ends (`ended`), or when it fails (`error`, with the bytes read before the
 * failure). For the few bytes that must be held, never for a whole body. `source` in paused mode.
 */
export function readUpTo(source: Readable, max: number): Promise<{ buf: Buffer; ended: boolean; error?: Error }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const finish = (ended: boolean, error?: Error) => {
      source.off('readable', pump);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
      resolve({ buf: Buffer.concat(chunks, got), ended, error });
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => finish(false, err);
    const onClose = () => {
      if (!source.readableEnded) finish(false, new Error('the body was closed early'));
    };
    function pump() {
      while (got < max) {
        let chunk = source.read() as Buffer | null;
        if (chunk === null) {
          if (source.readableEnded) return finish(true);
          if (source.destroyed) return finish(false, source.errored ?? new Error('the body was closed early'));
          return;
        }
        if (chunk.length > max - got) {
          source.unshift(chunk.subarray(max - got));
          chunk = chunk.subarray(0, max - got);
        }
        chunks.push(chunk);
        got += chunk.length;
      }
      finish(false);
    }
    source.on('readable', pump);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('close', onClose);
    if (max === 0) finish(false);
    else pump();
  });
}
