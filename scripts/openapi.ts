// Writes openapi.yaml from the route schemas (the single source of truth), then the typed client's types
// from it (clients/typescript/src/generated/openapi.ts, by openapi-typescript). `npm run openapi`;
// test/contract/openapi.test.ts fails when either committed file differs from what this writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
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

/** The typed client's request and response types, from an OpenAPI document's text. */
export async function generateClientTypes(yaml: string): Promise<string> {
  const header = '// Generated from openapi.yaml by openapi-typescript (npm run openapi); do not edit.\n\n';
  return header + astToString(await openapiTS(yaml));
}

export const CLIENT_TYPES = fileURLToPath(new URL('../clients/typescript/src/generated/openapi.ts', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
  const yaml = await generateOpenapi();
  writeFileSync(out, yaml);
  process.stdout.write(`wrote ${out}\n`);
  writeFileSync(CLIENT_TYPES, await generateClientTypes(yaml));
  process.stdout.write(`wrote ${CLIENT_TYPES}\n`);
}
