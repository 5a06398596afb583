import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const imports = (file: string) => [...readFileSync(join(root, file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)].map((m) => ({ type: Boolean(m[1]), from: m[2] }));

t.test('only src/s3 talks to the AWS SDK', async (t) => {
  for (const file of files('src')) {
    if (file.startsWith(join('src', 's3'))) continue;
    for (const i of imports(file)) t.notOk(i.from.startsWith('@aws-sdk/') || i.from.startsWith('@smithy/'), `${file} does not import ${i.from}`);
  }
});

t.test('services, s3 and store know nothing of HTTP: no Fastify at run time, no routes', async (t) => {
  for (const dir of ['services', 's3', 'store']) {
    for (const file of files(join('src', dir))) {
      for (const i of imports(file)) {
        if (i.from === 'fastify' || i.from.startsWith('@fastify/')) t.ok(i.type, `${relative(root, file)} imports only types from ${i.from}`);
        t.notMatch(i.from, /\/(routes|plugins)\//, `${file} does not import ${i.from}`);
      }
    }
  }
});

t.test('nothing but config.ts and the entry points (the server, the CLI) reads process.env', async (t) => {
  for (const file of files('src')) {
    if ([join('src', 'config.ts'), join('src', 'serve.ts'), join('src', 'cli.ts')].includes(file)) continue;
    t.notMatch(readFileSync(join(root, file), 'utf8'), /process\.env/, file);
  }
});

t.test('secrets and signatures are compared in constant time, never with === or !==', async (t) => {
  // A plain comparison stops at the first byte that differs: its time tells an attacker how much of a
  // forged signature (a chunk's, a trailer's) or token matched.
  for (const file of files('src')) {
    const source = readFileSync(join(root, file), 'utf8');
    for (const line of source.split('\n')) {
      if (
        /[!=]==/.test(line) &&
        /(signature|secret|token)\w*\s*[!=]==|[!=]==\s*[\w.#]*(signature|secret|token)\b|\.sign\([^)]*\)\)?\s*[!=]==/i.test(line) &&
        !/typeof|=== undefined|!== undefined|=== null|!== null|\.length/.test(line)
      ) {
        t.fail(`${file}: ${line.trim().slice(0, 160)}`);
      }
    }
  }
  t.pass('checked');
});
