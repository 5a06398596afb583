// Builds the web console (console/) into dist/console: one ES module bundle (Preact, uPlot, the typed
// client, the app), its stylesheet and page. `npm run build` runs it (tsx scripts/console.ts); the gateway serves the result at /console.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export async function buildConsole(outdir = `${root}dist/console`): Promise<number | undefined> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [`${root}console/src/main.tsx`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile: `${outdir}/app.js`,
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(`${root}console/index.html`, `${outdir}/index.html`);
  // One stylesheet (the page's policy allows its own files only): uPlot's rules, then the console's.
  writeFileSync(`${outdir}/style.css`, readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') + '\n' + readFileSync(`${root}console/style.css`, 'utf8'));
  return result.metafile.outputs[`${outdir.replace(root, '')}/app.js`]?.bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildConsole();
  process.stdout.write(`console built: dist/console/app.js ${bytes ?? '?'} bytes\n`);
}
