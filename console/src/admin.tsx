import { useEffect, useState } from 'preact/hooks';
import { unwrap, type operations, type S3gate, type Tenant } from '../../clients/typescript/src/index.js';
import { ErrorBox } from './error-box.js';
import { duration, Time } from './format.js';

type CreateBody = operations['createTenant']['requestBody']['content']['application/json'];
type Health = operations['getTenantHealth']['responses'][200]['content']['application/json'];
type Pool = operations['getTenantPool']['responses'][200]['content']['application/json'];
type S3Key = operations['listS3Keys']['responses'][200]['content']['application/json'];
type ApiKeys = operations['listApiKeys']['responses'][200]['content']['application/json'];

/** #/admin (admin token): tenants, their keys, health, circuit and live pool figures. */
export function Admin({ client }: { client: S3gate }) {
  const [tenants, setTenants] = useState<Tenant[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => unwrap(client.api.GET('/admin/tenants')).then((r) => setTenants(r.tenants), setError);
  useEffect(() => void load(), []);
  return (
    <main>
      <div class="card">
        <h2>Tenants</h2>
        <ErrorBox error={error} />
        {shown && (
          <div class="card" role="status" aria-label="secret">
            <span data-secret>{shown}</span> <button onClick={() => setShown(null)}>I have saved it</button>
          </div>
        )}
        <CreateTenant
          client={client}
          onCreated={(t) => {
            setShown(`Tenant ${t.id} created. Its API key, shown only now: ${t.apiKey}`);
            void load();
          }}
          onError={setError}
        />
        {tenants === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <table aria-label="tenants">
            <tbody>
              {tenants.map((t) => (
                <tr key={t.id} data-tenant={t.id}>
                  <td>
                    <a class="link" onClick={() => setOpen(open === t.id ? null : t.id)}>
                      {t.id}
                    </a>
                  </td>
                  <td>{t.driver === 'disk' ? 'disk' : `${t.s3?.endpoint ?? 'AWS'} · ${t.s3?.region} · ${t.s3?.credentials.type}`}</td>
                  <td class="hide-narrow muted">v{t.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {open && tenants && (
        <TenantDetail
          key={open}
          client={client}
          tenant={tenants.find((t) => t.id === open)!}
          onChanged={load}
          onSecret={setShown}
          onDeleted={() => {
            setOpen(null);
            void load();
          }}
        />
      )}
    </main>
  );
}

function CreateTenant({ client, onCreated, onError }: { client: S3gate; onCreated: (t: { id: string; apiKey: string }) => void; onError: (e: unknown) => void }) {
  const [f, setF] = useState({ id: '', driver: 'disk', endpoint: '', region: 'us-east-1', source: 'static', accessKeyId: '', secretAccessKey: '', roleArn: '', externalId: '' });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    onError(null);
    const credentials =
      f.source === 'static'
        ? { type: 'static' as const, accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey }
        : f.source === 'assumeRole'
          ? { type: 'assumeRole' as const, roleArn: f.roleArn, source: 'default' as const, ...(f.externalId && { externalId: f.externalId }) }
          : { type: 'default' as const };
    const body: CreateBody = f.driver === 'disk' ? { id: f.id, driver: 'disk' } : { id: f.id, driver: 's3', s3: { region: f.region, ...(f.endpoint && { endpoint: f.endpoint }), credentials } };
    try {
      const created = await unwrap(client.api.POST('/admin/tenants', { params: { query: { verify: f.driver === 's3' } }, body }));
      onCreated(created);
      setF({ ...f, id: '', accessKeyId: '', secretAccessKey: '' });
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form onSubmit={submit} aria-label="create tenant" class="card">
      <div class="row">
        <input name="id" placeholder="tenant id" value={f.id} onInput={set('id')} />
        <select name="driver" value={f.driver} onChange={set('driver')}>
          <option value="disk">local disk</option>
          <option value="s3">S3</option>
        </select>
        {f.driver === 's3' && (
          <>
            <input name="endpoint" placeholder="endpoint (empty: AWS)" value={f.endpoint} onInput={set('endpoint')} />
            <input name="region" placeholder="region" value={f.region} onInput={set('region')} />
            <select name="source" value={f.source} onChange={set('source')}>
              <option value="static">access key</option>
              <option value="assumeRole">assume a role</option>
              <option value="default">the gateway's own identity</option>
            </select>
          </>
        )}
      </div>
      {f.driver === 's3' && f.source === 'static' && (
        <div class="row">
          <input name="accessKeyId" placeholder="access key id" value={f.accessKeyId} onInput={set('accessKeyId')} />
          <input name="secretAccessKey" type="password" autocomplete="off" placeholder="secret access key" value={f.secretAccessKey} onInput={set('secretAccessKey')} />
        </div>
      )}
      {f.driver === 's3' && f.source === 'assumeRole' && (
        <div class="row">
          <input name="roleArn" placeholder="arn:aws:iam::…:role/…" value={f.roleArn} onInput={set('roleArn')} />
          <input name="externalId" placeholder="external id (optional)" value={f.externalId} onInput={set('externalId')} />
        </div>
      )}
      <button class="primary" type="submit" disabled={f.id.trim() === ''}>
        Create tenant{f.driver === 's3' ? ' (verified with one S3 call)' : ''}
      </button>
    </form>
  );
}

/** A tenant's API keys and S3 keys, each revocable. */
function TenantKeys({
  client,
  id,
  apiKeys,
  keys,
  act,
  reload,
}: {
  client: S3gate;
  id: string;
  apiKeys: ApiKeys | null;
  keys: S3Key | null;
  act: (fn: () => Promise<unknown>) => Promise<void>;
  reload: () => Promise<unknown>;
}) {
  return (
    <>
      {apiKeys && apiKeys.apiKeys.length > 0 && (
        <table aria-label="api keys">
          <tbody>
            {apiKeys.apiKeys.map((k) => (
              <tr data-api-key={k.id}>
                <td>API key {k.id}</td>
                <td class="muted">
                  {k.revokedAt ? 'revoked ' : 'created '}
                  <Time iso={k.revokedAt ?? k.createdAt} />
                </td>
                <td>
                  {!k.revokedAt && (
                    <button onClick={() => act(async () => (await unwrap(client.api.DELETE('/admin/tenants/{id}/keys/{keyId}', { params: { path: { id, keyId: k.id } } })), await reload()))}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {keys && keys.s3Keys.length > 0 && (
        <table aria-label="s3 keys">
          <tbody>
            {keys.s3Keys.map((k) => (
              <tr data-s3-key={k.accessKeyId}>
                <td>{k.accessKeyId}</td>
                <td class="muted">
                  {k.revokedAt ? 'revoked ' : 'created '}
                  <Time iso={k.revokedAt ?? k.createdAt} />
                </td>
                <td>
                  {!k.revokedAt && (
                    <button
                      onClick={() =>
                        act(async () => (await unwrap(client.api.DELETE('/admin/tenants/{id}/s3-keys/{accessKeyId}', { params: { path: { id, accessKeyId: k.accessKeyId } } })), await reload()))
                      }
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TenantDetail({ client, tenant, onChanged, onSecret, onDeleted }: { client: S3gate; tenant: Tenant; onChanged: () => void; onSecret: (s: string) => void; onDeleted: () => void }) {
  const id = tenant.id;
  const path = { params: { path: { id } } };
  const [health, setHealth] = useState<Health | null>(null);
  const [pool, setPool] = useState<Pool | null>(null);
  const [keys, setKeys] = useState<S3Key | null>(null);
  const [apiKeys, setApiKeys] = useState<ApiKeys | null>(null);
  const [settings, setSettings] = useState({
    maxSockets: String(tenant.pool.maxSockets),
    maxQueue: String(tenant.pool.maxQueue),
    requestsPerSecond: String(tenant.limits.requestsPerSecond),
    maxConcurrentUploads: String(tenant.limits.maxConcurrentUploads),
  });
  const [error, setError] = useState<unknown>(null);
  const loadKeys = () =>
    Promise.all([unwrap(client.api.GET('/admin/tenants/{id}/s3-keys', path)).then(setKeys), unwrap(client.api.GET('/admin/tenants/{id}/keys', path)).then(setApiKeys)]).catch(setError);
  useEffect(() => {
    void loadKeys();
    // Live pool figures, every two seconds while the panel is open.
    const refresh = () => unwrap(client.api.GET('/admin/tenants/{id}/pool', path)).then(setPool, setError);
    void refresh();
    const timer = setInterval(() => void refresh(), 2000);
    return () => clearInterval(timer);
  }, [id]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
  };
  const num = (v: string) => Number(v);
  return (
    <div class="card" aria-label="tenant">
      <h3>{id}</h3>
      <ErrorBox error={error} />
      <div class="row">
        <button onClick={() => act(async () => setHealth(await unwrap(client.api.GET('/admin/tenants/{id}/health', path))))}>Verify (one S3 call)</button>
        {health && (
          <span data-health={health.ok ? 'ok' : 'failed'} class={health.ok ? '' : 'error'}>
            {health.ok ? `ok in ${duration(health.latencyMs)}` : `${health.error?.code}: ${health.error?.message}`} · circuit {health.circuit.state}
          </span>
        )}
      </div>
      {pool && (
        <p class="muted" data-pool>
          pool: {pool.active ? 'live' : 'idle'} · {pool.inFlight} in flight of {pool.maxSockets} sockets + {pool.maxQueue} queued · sockets in use {pool.sockets.inUse}, free {pool.sockets.free},
          waiting {pool.sockets.queued}
        </p>
      )}
      <form
        class="row"
        aria-label="pool and limits"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await unwrap(
              client.api.PATCH('/admin/tenants/{id}', {
                ...path,
                body: {
                  pool: { maxSockets: num(settings.maxSockets), maxQueue: num(settings.maxQueue) },
                  limits: { requestsPerSecond: num(settings.requestsPerSecond), maxConcurrentUploads: num(settings.maxConcurrentUploads) },
                },
              }),
            );
            onChanged();
          });
        }}
      >
        {(['maxSockets', 'maxQueue', 'requestsPerSecond', 'maxConcurrentUploads'] as const).map((k) => (
          <label>
            {k} <input name={k} size={5} value={settings[k]} onInput={(e) => setSettings({ ...settings, [k]: (e.target as HTMLInputElement).value })} />
          </label>
        ))}
        <button type="submit">Save</button>
      </form>
      <div class="row">
        <button
          onClick={() =>
            act(async () => {
              onSecret(`A new API key of ${id}, shown only now: ${(await unwrap(client.api.POST('/admin/tenants/{id}/keys', path))).apiKey}`);
              await loadKeys();
            })
          }
        >
          New API key
        </button>
        <button
          onClick={() =>
            act(async () => {
              const k = await unwrap(client.api.POST('/admin/tenants/{id}/s3-keys', path));
              onSecret(`A new S3 key of ${id}: ${k.accessKeyId} / ${k.secretAccessKey} (the secret is shown only now)`);
              await loadKeys();
            })
          }
        >
          New S3 key
        </button>
        <button
          class="danger"
          onClick={() => {
            if (confirm(`Delete the tenant ${id}, its keys, webhooks and state? Its S3 objects stay.`))
              void act(async () => (await unwrap(client.api.DELETE('/admin/tenants/{id}', path)), onDeleted()));
          }}
        >
          Delete tenant
        </button>
      </div>
      <TenantKeys client={client} id={id} apiKeys={apiKeys} keys={keys} act={act} reload={loadKeys} />
    </div>
  );
}
