// The page of the browser test: Uppy with @uppy/tus, bundled by esbuild when the test starts.
import Uppy from '@uppy/core';
import Tus from '@uppy/tus';

async function hex(buf: ArrayBuffer): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Uploads `size` random bytes as a file through the presigned tus URL; reports what Uppy saw. */
async function upload(endpoint: string, size: number, name: string, type: string) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  const progress: number[] = [];
  const uppy = new Uppy({ autoProceed: false }).use(Tus, { endpoint, chunkSize: 5 * 1024 * 1024, retryDelays: [0, 500, 1000] });
  uppy.on('upload-progress', (_file, p) => {
    if (p.bytesTotal) progress.push(p.bytesUploaded / p.bytesTotal);
  });
  uppy.addFile({ name, type, data: new Blob([bytes], { type }) });
  const result = await uppy.upload();
  return {
    successful: result?.successful?.length ?? 0,
    failed: (result?.failed ?? []).map((f) => String(f.error)),
    uploadURL: result?.successful?.[0]?.uploadURL,
    sha256: await hex(bytes.buffer),
    progress: progress.length,
  };
}

(globalThis as unknown as { upload: typeof upload }).upload = upload;
(globalThis as unknown as { document: { title: string } }).document.title = 'ready';
