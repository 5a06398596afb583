import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/stall.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const startWords = (): string[] => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start.split(' ');

/** The Node flags of package.json's start script: the gateway's own. */
export function startFlags(): string[] {
  return startWords().filter((a) => a.startsWith('--'));
}

/**
 * The environment package.json's start script sets before `node` (its leading NAME=value words: glibc's
 * malloc settings), or BENCH_START_ENV's words instead when it is set (empty: none, to measure without).
 */
export function startEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const words = process.env.BENCH_START_ENV === undefined ? startWords() : process.env.BENCH_START_ENV.split(' ').filter(Boolean);
  for (const word of words) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!m) break;
    env[m[1]] = m[2];
  }
  return env;
}

/**
 * The gateway as its own process, built, flagged and with the environment `npm start` gives it
 * (dist/src/server.js, the Node flags and NAME=value words of package.json's start script unless `nodeArgs`
 * or `env` say otherwise), on a free loopback port; resolves once /readyz answers. stop() ends it, waits
 * for it to exit and removes its data directory.
 */
export async function startGateway(opts: {
  dataDir: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  startTimeoutMs?: number /** A built tree other than this one (bench/ab.ts). */;
  /** Called with the process as soon as it is spawned (to watch its start). */
  onSpawn?: (child: ChildProcess) => void;
  tree?: string;
}): Promise<{ base: string; s3Base: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const s3Port = await freePort();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? startFlags()), join(opts.tree ?? root, 'dist/src/server.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      S3GATE_S3_PORT: String(s3Port),
      S3GATE_DATA_DIR: opts.dataDir,
      S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false',
      S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'warn',
      ...startEnv(),
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  opts.onSpawn?.(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    child.kill('SIGTERM');
    rmSync(opts.dataDir, { recursive: true, force: true });
  };
  process.on('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    child.kill('SIGTERM');
    await exited;
    rmSync(opts.dataDir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  while (
    !(await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, s3Base: `http://127.0.0.1:${s3Port}`, child, stop };
}
