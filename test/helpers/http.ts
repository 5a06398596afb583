import http from 'node:http';
import net from 'node:net';

/** What a helper that starts something needs of its caller: tap's `t`, or a benchmark's own list. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request exactly as given (no client library in between), so headers such as Upgrade or a
 * presigned URL's extra headers go out as an attacker or an odd client sends them.
 */
export function rawRequest(url: string, opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends bytes as they are over TCP and reads the whole answer (the connection is closed by either side, or after waitMs). */
export function rawBytes(base: string, bytes: string, waitMs = 5000): Promise<{ status: number; body: string; text: string }> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    const done = () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'), text });
    };
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => (text += d));
    socket.on('close', done);
    socket.on('error', () => {});
  });
}
