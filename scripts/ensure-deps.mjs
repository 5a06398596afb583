// Runs before `npm start`, `npm test` and `npm run bench`: installs the locked dependencies when they are
// missing or older than package-lock.json, so the README's commands work on a fresh clone.
// Uses only Node's standard library (it runs before anything is installed).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  process.stderr.write('s3gate: installing dependencies (npm ci; once, about a minute)...\n');
  try {
    execSync('npm ci --no-audit --no-fund', { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    process.stderr.write('s3gate: npm ci failed; is the npm registry reachable? (see the output above)\n');
    process.exit(1);
  }
}
