// Writes openapi.yaml from the route schemas (the single source of truth). `npm run openapi`;
// test/contract/openapi.test.ts fails when the committed file differs from what this writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export async function generateOpenapi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 's3gate-openapi-'));
  try {
    const app = await buildApp(loadConfig({ S3GATE_ADMIN_TOKEN: 'openapi', S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false' }, { dataDir }), { logger: false });
    await app.ready();
    const yaml = stringify(app.swagger(), { aliasDuplicateObjects: false, lineWidth: 0 });
    await app.close();
    return yaml;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
  writeFileSync(out, await generateOpenapi());
  process.stdout.write(`wrote ${out}\n`);
}
