#!/usr/bin/env node
// `npx s3gate …`: builds the gateway first when dist/ is missing or older than its sources (as `npm start` does),
// then runs src/cli.ts's main. Only Node's standard library before that. Started by an older Node (the
// file run directly from a shell whose Node is 20), it runs itself again on the project's Node 22.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const localNode = join(root, 'node_modules', '.bin', 'node');
if (Number(process.versions.node.split('.')[0]) < 22 && existsSync(localNode)) {
  const run = spawnSync(localNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
const built = join(root, 'dist', 'src', 'cli.js');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), newest(join(root, 'clients', 'typescript', 'src')))) {
  process.stderr.write('s3gate: building (npm run build)...\n');
  execSync('node scripts/ensure-deps.mjs && npm run --silent build', { cwd: root, stdio: ['ignore', 2, 2] });
}
const { main } = await import(built);
process.exitCode = await main(process.argv.slice(2));
