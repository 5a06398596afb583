import { createHash } from 'node:crypto';
import * as tus from 'tus-js-client';

export const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface TusRun {
  /** The upload URL (Location). */
  url: string;
  /** Bytes tus-js-client saw acknowledged, after each PATCH. */
  offsets: number[];
  retries: number;
}

/**
 * Uploads `data` with tus-js-client (Node), resolving when it reports success. `onProgress` sees the
 * bytes sent so far (to cut the network or kill the gateway mid-upload).
 */
export function tusUpload(
  endpoint: string,
  data: Buffer,
  opts: {
    headers?: Record<string, string>;
    metadata?: Record<string, string>;
    chunkSize?: number;
    retryDelays?: number[];
    onProgress?: (sent: number, upload: tus.Upload) => void;
    onChunkComplete?: (acked: number, upload: tus.Upload) => void;
    uploadUrl?: string;
  } = {},
): Promise<TusRun> {
  const run: TusRun = { url: '', offsets: [], retries: 0 };
  return new Promise((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(data, {
      endpoint,
      uploadUrl: opts.uploadUrl,
      headers: opts.headers,
      metadata: opts.metadata ?? {},
      chunkSize: opts.chunkSize ?? Infinity,
      retryDelays: opts.retryDelays ?? [0, 100, 300, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000],
      storeFingerprintForResuming: false,
      onProgress: (sent) => opts.onProgress?.(sent, upload),
      onChunkComplete: (_size, acked) => {
        run.offsets.push(acked);
        opts.onChunkComplete?.(acked, upload);
      },
      onShouldRetry: () => {
        run.retries++;
        return true;
      },
      onError: reject,
      onSuccess: () => {
        run.url = upload.url ?? '';
        resolve(run);
      },
    });
    upload.start();
  });
}

/** One raw tus request (Tus-Resumable: 1.0.0 unless given). */
export async function tusRequest(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string) {
  const res = await fetch(url, { method, headers: { 'tus-resumable': '1.0.0', ...headers }, body: typeof body === 'string' ? body : body && new Uint8Array(body), redirect: 'manual' });
  const text = await res.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, code: json.code, message: json.message };
}

/** Upload-Metadata of the given pairs (values base64, as the protocol says). */
export function metadataHeader(m: Record<string, string | null>): string {
  return Object.entries(m)
    .map(([k, v]) => (v === null ? k : `${k} ${Buffer.from(v).toString('base64')}`))
    .join(',');
}
