import { readFileSync } from 'node:fs';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { FormatRegistry, Type } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Config } from '../config.js';
import { isGatewayError } from '../errors.js';
import { TenantCreate } from '../schema/tenants.js';
import type { TenantService } from './tenants.js';

export interface BootstrapReport {
  /** API keys generated at this start (shown once, by serve.ts). */
  createdKeys: { tenant: string; apiKey: string }[];
}

const TenantsFile = Type.Object({
  tenants: Type.Array(
    Type.Object({ ...TenantCreate.properties, apiKeys: Type.Optional(Type.Array(Type.String(), { description: 'Keys the operator chose; stored hashed' })) }, { additionalProperties: false }),
  ),
});
// The route schemas are checked by Fastify's Ajv, which knows 'uri'; TypeBox's compiler needs it defined.
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (value) => URL.canParse(value));
const checkFile = TypeCompiler.Compile(TenantsFile);

/**
 * Tenants declared in S3GATE_TENANTS_FILE are created or brought up to date; with no tenant at all the
 * `local` tenant on the disk driver is created so that the gateway works with no configuration.
 */
function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // YAML's flow style also starts with { or [
  }
}

export async function bootstrapTenants(tenants: TenantService, config: Config, log: FastifyBaseLogger): Promise<BootstrapReport> {
  const report: BootstrapReport = { createdKeys: [] };
  if (config.tenantsFile) {
    let doc: unknown;
    try {
      const text = readFileSync(config.tenantsFile, 'utf8');
      // JSON is YAML too, but the YAML parser builds a document tree first: for a file of 10,000
      // tenants that took 0.7 s and left the heap 100 MB larger. JSON goes to JSON.parse.
      doc = /^\s*[{[]/.test(text) ? (tryJson(text) ?? parseYaml(text)) : parseYaml(text);
    } catch (err) {
      throw new ConfigError(`S3GATE_TENANTS_FILE ${config.tenantsFile} could not be read: ${(err as Error).message}`);
    }
    if (!checkFile.Check(doc)) {
      const first = checkFile.Errors(doc).First();
      throw new ConfigError(`S3GATE_TENANTS_FILE ${config.tenantsFile}: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
    }
    for (const { apiKeys = [], ...t } of doc.tenants) {
      try {
        const { id, ...patch } = t;
        const exists = await tenants.get(id).then(
          () => true,
          () => false,
        );
        if (exists) {
          await tenants.patch(id, patch);
        } else {
          const created = await tenants.create(t, apiKeys.length ? { apiKey: apiKeys[0] } : {});
          if (!apiKeys.length) report.createdKeys.push({ tenant: id, apiKey: created.apiKey });
        }
        for (const k of apiKeys) await tenants.ensureKey(id, k);
        log.info({ tenant: id }, exists ? 'tenant updated from the tenants file' : 'tenant created from the tenants file');
      } catch (err) {
        if (isGatewayError(err)) throw new ConfigError(`S3GATE_TENANTS_FILE, tenant '${t.id}': ${err.message}`);
        throw err;
      }
    }
  }
  if (config.bootstrapLocalTenant && (await tenants.count()) === 0) {
    const created = await tenants.create({ id: 'local', driver: 'disk' });
    report.createdKeys.push({ tenant: 'local', apiKey: created.apiKey });
  }
  return report;
}
