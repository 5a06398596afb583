import { useEffect, useState } from 'preact/hooks';
import type { Delivery, S3gate, StatsWindow, Webhook } from '../../clients/typescript/src/index.js';
import { Chart, COLORS } from './chart.js';
import { usePoll, WindowPicker } from './dashboard.js';
import { ErrorBox } from './error-box.js';
import { count, duration, percent, Time } from './format.js';

type Detail = Awaited<ReturnType<S3gate['webhooks']['delivery']>>;

async function all<T>(it: AsyncIterable<T>, limit = 200): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) if (out.push(x) >= limit) break;
  return out;
}

type Kind = Webhook['kind'];

/** The one template a broker subscription is most often given, by kind (the rest keep their defaults). */
const TARGETS: Record<Exclude<Kind, 'webhook'>, { field: 'routingKey' | 'subject' | 'topic' | 'stream'; placeholder: string; title: string }> = {
  amqp: { field: 'routingKey', placeholder: 'routing key: s3gate.{tenant}.{bucket}', title: 'published to amq.topic; {tenant} {bucket} {key} {type} {eventName}' },
  nats: { field: 'subject', placeholder: 'subject: s3gate.{tenant}.{bucket}', title: 'a JetStream stream must take it; {tenant} {bucket} {key} {type} {eventName}' },
  mqtt: { field: 'topic', placeholder: 'topic: s3gate/{tenant}/{bucket}', title: 'QoS 1; {tenant} {bucket} {key} {type} {eventName}' },
  redis: { field: 'stream', placeholder: 'stream: s3gate:{tenant}', title: 'XADD with MAXLEN ~ 100000; {tenant} {bucket} {key} {type} {eventName}' },
};

const SCHEMES: Record<string, Kind> = {
  'http:': 'webhook',
  'https:': 'webhook',
  'amqp:': 'amqp',
  'amqps:': 'amqp',
  'nats:': 'nats',
  'tls:': 'nats',
  'mqtt:': 'mqtt',
  'mqtts:': 'mqtt',
  'redis:': 'redis',
  'rediss:': 'redis',
};

function kindOf(url: string): Kind | undefined {
  const scheme = /^[a-z]+:/i.exec(url.trim())?.[0].toLowerCase();
  return scheme ? SCHEMES[scheme] : undefined;
}

const targetOf = (h: Webhook) => (h.kind === 'webhook' ? undefined : h.destination[TARGETS[h.kind].field]);

/** #/webhooks: the subscriptions; create, edit, enable/disable, rotate, test; the delivery log. */
export function Webhooks({ client }: { client: S3gate }) {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [secret, setSecret] = useState<{ id: string; secret: string; note: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ url: '', events: 's3:ObjectCreated:*, s3:ObjectRemoved:*', bucket: '', prefix: '', format: 'json', target: '' });
  const kind = kindOf(form.url);
  const load = () => all(client.webhooks.list()).then(setHooks, setError);
  useEffect(() => void load(), []);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const filter = Object.fromEntries(Object.entries({ bucket: form.bucket.trim(), prefix: form.prefix }).filter(([, v]) => v !== ''));
      const hook = await client.webhooks.create({
        url: form.url.trim(),
        events: form.events
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        filter,
        format: form.format as 'json' | 'cloudevents',
        ...(kind && kind !== 'webhook' && form.target.trim() !== '' && { destination: { [TARGETS[kind].field]: form.target.trim() } }),
      });
      setSecret({ id: hook.id, secret: hook.secret, note: 'Its signing secret, shown only now:' });
      setForm({ ...form, url: '', target: '' });
    });
  };
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <main>
      <div class="card">
        <h2>Webhooks</h2>
        <ErrorBox error={error} />
        {secret && (
          <div class="card" role="status" aria-label="secret">
            {secret.note} <code data-secret>{secret.secret}</code> <span class="muted">({secret.id})</span> <button onClick={() => setSecret(null)}>I have saved it</button>
          </div>
        )}
        <form onSubmit={create} aria-label="create webhook">
          <div class="row">
            <input
              name="url"
              placeholder="https://example.com/hooks/s3, amqp://, nats://, mqtt://, redis://"
              value={form.url}
              onInput={set('url')}
              style="flex:2;min-width:14rem"
              title="A webhook URL or a broker: amqp(s):// RabbitMQ, nats:// NATS JetStream, mqtt(s):// MQTT, redis(s):// Redis Streams"
            />
            <input name="events" value={form.events} onInput={set('events')} style="flex:2;min-width:12rem" title="event types or families, comma-separated" />
          </div>
          <div class="row">
            <input name="filterBucket" placeholder="only this bucket" value={form.bucket} onInput={set('bucket')} />
            <input name="filterPrefix" placeholder="only keys starting with" value={form.prefix} onInput={set('prefix')} />
            {kind && kind !== 'webhook' && <input name="target" placeholder={TARGETS[kind].placeholder} title={TARGETS[kind].title} value={form.target} onInput={set('target')} />}
            <select name="format" value={form.format} onChange={set('format')} title="json: the event; cloudevents: CloudEvents 1.0">
              <option value="json">JSON</option>
              <option value="cloudevents">CloudEvents</option>
            </select>
            <button class="primary" type="submit" disabled={form.url.trim() === ''}>
              Subscribe
            </button>
          </div>
        </form>
        {hooks === null ? (
          <p class="muted">Loading…</p>
        ) : hooks.length === 0 ? (
          <p class="muted">No subscription yet.</p>
        ) : (
          <table aria-label="webhooks">
            <tbody>
              {hooks.map((h) => (
                <tr key={h.id} data-webhook={h.id}>
                  <td>
                    <a class="link" onClick={() => setOpen(open === h.id ? null : h.id)}>
                      {h.url}
                    </a>
                    <div class="muted">
                      <span data-kind={h.kind}>{h.kind}</span>
                      {h.format === 'cloudevents' ? ' · CloudEvents' : ''}
                      {targetOf(h) ? ` · ${targetOf(h)}` : ''} · {h.events.join(', ')}
                      {h.filter.bucket ? ` · ${h.filter.bucket}/${h.filter.prefix ?? ''}` : ''}
                    </div>
                  </td>
                  <td>{h.enabled ? 'enabled' : <span class="error">disabled{h.disabledReason ? `: ${h.disabledReason}` : ''}</span>}</td>
                  <td>
                    <div class="row">
                      <button onClick={() => act(() => client.webhooks.update(h.id, { enabled: !h.enabled }))}>{h.enabled ? 'Disable' : 'Enable'}</button>
                      <button onClick={() => setEditing({ id: h.id, url: h.url, events: h.events.join(', '), bucket: h.filter.bucket ?? '', prefix: h.filter.prefix ?? '' })}>Edit</button>
                      <button
                        onClick={() =>
                          act(async () => {
                            const r = await client.webhooks.rotateSecret(h.id);
                            setSecret({ id: h.id, secret: r.secret, note: 'The new signing secret (the previous one keeps signing for 24 hours):' });
                          })
                        }
                      >
                        Rotate secret
                      </button>
                      <button
                        onClick={() =>
                          act(async () => {
                            const r = await client.webhooks.test(h.id);
                            alert(r.ok ? `Delivered: HTTP ${r.status} in ${duration(r.durationMs)}` : `Not delivered: ${r.error ?? `HTTP ${r.status}`}`);
                          })
                        }
                      >
                        Send test
                      </button>
                      <button
                        class="danger"
                        onClick={() => {
                          if (confirm(`Unsubscribe ${h.url}?`)) void act(() => client.webhooks.delete(h.id));
                        }}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {editing && <EditWebhook editing={editing} onChange={setEditing} act={act} client={client} />}
      {open && <Deliveries client={client} hook={hooks?.find((h) => h.id === open)} onError={setError} />}
    </main>
  );
}

type Editing = { id: string; url: string; events: string; bucket: string; prefix: string };

/** A subscription's URL, event types and filter, changed in place. */
function EditWebhook({ editing, onChange, act, client }: { editing: Editing; onChange: (e: Editing | null) => void; act: (fn: () => Promise<unknown>) => Promise<void>; client: S3gate }) {
  return (
    <form
      class="card"
      aria-label="edit webhook"
      onSubmit={(e) => {
        e.preventDefault();
        const filter = Object.fromEntries(Object.entries({ bucket: editing.bucket.trim(), prefix: editing.prefix }).filter(([, v]) => v !== ''));
        void act(async () => {
          await client.webhooks.update(editing.id, {
            url: editing.url.trim(),
            events: editing.events
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
            filter,
          });
          onChange(null);
        });
      }}
    >
      <h3>Edit {editing.id}</h3>
      <div class="row">
        {(['url', 'events', 'bucket', 'prefix'] as const).map((k) => (
          <label>
            {k} <input name={`edit-${k}`} value={editing[k]} onInput={(e) => onChange({ ...editing, [k]: (e.target as HTMLInputElement).value })} />
          </label>
        ))}
      </div>
      <div class="row">
        <button class="primary" type="submit">
          Save
        </button>
        <button type="button" onClick={() => onChange(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Deliveries({ client, hook, onError }: { client: S3gate; hook?: Webhook; onError: (e: unknown) => void }) {
  const [list, setList] = useState<Delivery[] | null>(null);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [since, setSince] = useState(() => new Date(Date.now() - 3600_000).toISOString().slice(0, 16));
  const load = () => (hook ? all(client.webhooks.deliveries(hook.id), 100).then(setList, onError) : Promise.resolve());
  useEffect(() => {
    setDetail(null);
    void load();
    const timer = setInterval(() => void load(), 3000);
    return () => clearInterval(timer);
  }, [hook?.id]);
  if (!hook) return null;
  return (
    <div class="card" aria-label="deliveries">
      <h3>Deliveries to {hook.url}</h3>
      <DeliveryCharts client={client} hook={hook} />
      <form
        class="row"
        aria-label="replay"
        onSubmit={(e) => {
          e.preventDefault();
          client.webhooks.replay(hook.id, { since: new Date(since).toISOString() }).then((r) => {
            alert(`Queued again: ${JSON.stringify(r)}`);
            void load();
          }, onError);
        }}
      >
        <label>
          Replay since <input type="datetime-local" name="since" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Replay</button>
      </form>
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No delivery yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Status</th>
              <th>Event</th>
              <th>Attempts</th>
              <th class="hide-narrow">Last answer</th>
              <th class="hide-narrow">Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                <td>
                  <a class="link" onClick={() => client.webhooks.delivery(hook.id, d.id).then(setDetail, onError)}>
                    {d.status}
                  </a>
                </td>
                <td>{d.type}</td>
                <td>{d.attempts}</td>
                <td class="hide-narrow">{d.lastStatus ?? d.lastError ?? ''}</td>
                <td class="hide-narrow muted">
                  <Time iso={d.updatedAt} />
                </td>
                <td>
                  <button onClick={() => client.webhooks.retry(hook.id, d.id).then(() => load(), onError)}>Retry</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail && (
        <table aria-label="attempts">
          <thead>
            <tr>
              <th>At</th>
              <th>Status</th>
              <th>Time</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {detail.attemptLog.map((a) => (
              <tr data-attempt>
                <td>
                  <Time iso={a.at} />
                </td>
                <td>{a.statusCode ?? a.error}</td>
                <td>{duration(a.durationMs)}</td>
                <td>
                  <code>{(a.responseExcerpt ?? '').slice(0, 200)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A subscription's success rate and latency over time, beside its log. */
function DeliveryCharts({ client, hook }: { client: S3gate; hook: Webhook }) {
  const [window, setWindow] = useState<StatsWindow>('1h');
  const { data } = usePoll(() => client.stats.webhook(hook.id, window), [hook.id, window]);
  if (!data) return null;
  const times = data.points.map((p) => p.t);
  const { succeeded, failed } = data.totals;
  return (
    <div data-webhook-stats>
      <div class="row">
        <span style="flex:1" data-success-rate>
          Success rate <strong>{percent(succeeded, succeeded + failed)}</strong> ({count(succeeded)} delivered, {count(failed)} failed attempts, {count(data.pendingDeliveries)} pending)
          {data.totals.attemptMs && (
            <>
              {' '}
              · answers in {duration(data.totals.attemptMs.p50)} (p50), {duration(data.totals.attemptMs.p99)} (p99)
            </>
          )}
        </span>
        <WindowPicker value={window} onChange={setWindow} />
      </div>
      <div class="charts">
        <Chart
          name="webhook-outcomes"
          title="Deliveries"
          unit="count"
          times={times}
          lines={[
            { label: 'delivered', values: data.points.map((p) => p.succeeded), color: COLORS.green },
            { label: 'failed attempts', values: data.points.map((p) => p.failed), color: COLORS.red },
          ]}
        />
        <Chart
          name="webhook-latency"
          title="Latency"
          unit="ms"
          times={times}
          lines={[
            { label: 'event to delivery p50', values: data.points.map((p) => p.deliveryLatencyMs?.p50 ?? null), color: COLORS.blue },
            { label: 'event to delivery p99', values: data.points.map((p) => p.deliveryLatencyMs?.p99 ?? null), color: COLORS.purple },
            { label: 'answer p50', values: data.points.map((p) => p.attemptMs?.p50 ?? null), color: COLORS.orange },
          ]}
        />
      </div>
    </div>
  );
}
