import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));
const depcruise = fileURLToPath(new URL('../../node_modules/dependency-cruiser/bin/dependency-cruiser.mjs', import.meta.url));

t.test('the import graph of src/ and the console has no cycle and no arrow up a layer (.dependency-cruiser.cjs)', async (t) => {
  const run = await promisify(execFile)(process.execPath, [depcruise, 'src', 'console/src', '--output-type', 'err'], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
  t.equal(run.code, 0, run.out.trim());
  t.match(run.out, /no dependency violations found \((\d+) modules/, 'depcruise read the tree');
  const modules = Number(/\((\d+) modules/.exec(run.out)?.[1]);
  t.ok(modules > 150, `it cruised the whole tree (${modules} modules)`);
});
