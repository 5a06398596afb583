import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 150;

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Functions (declarations, methods, arrows) longer than the limit: file:line name (lines). */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > MAX_FUNCTION_LINES) {
        const named = (node as ts.FunctionDeclaration).name ?? (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) ? node.parent.name : undefined);
        found.push(`${file}:${first + 1} ${named?.getText() ?? '(anonymous)'} (${last - first + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

t.test(`source files fit in a head: at most ${MAX_FILE_LINES} lines a file, ${MAX_FUNCTION_LINES} a function (src/ and the console)`, async (t) => {
  const all = [...files('src'), ...files(join('console', 'src'))];
  t.ok(all.length > 100, `${all.length} files read`);
  const long: string[] = [];
  const longFns: string[] = [];
  for (const file of all) {
    const text = readFileSync(join(root, file), 'utf8');
    const lines = text.split('\n').length;
    if (lines > MAX_FILE_LINES) long.push(`${relative('.', file)} (${lines} lines)`);
    longFns.push(...longFunctions(file, text));
  }
  t.same(long, [], 'no file is longer: split it along its seams');
  t.same(longFns, [], 'no function is longer: give its parts names of their own');
});
