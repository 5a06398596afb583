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
