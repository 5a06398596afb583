import { createClient } from 'graphql-ws';
import { useEffect, useState } from 'preact/hooks';
import type { ObjectEvent } from '../../clients/typescript/src/index.js';
import { ErrorBox } from './error-box.js';

const KEEP = 200;
const QUERY = 'subscription($bucket: String, $prefix: String) { objectEvents(bucket: $bucket, prefix: $prefix) { id type timestamp data { tenant bucket key size etag source } } }';

/** #/events: the tenant's object events as they are recorded (the GraphQL subscription), newest first. */
export function Events({ apiKey }: { apiKey: string }) {
  const [filter, setFilter] = useState({ bucket: '', prefix: '' });
  const [applied, setApplied] = useState(filter);
  const [events, setEvents] = useState<ObjectEvent[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'closed'>('connecting');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setState('connecting');
    setError(null);
    const ws = createClient({
      url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      retryAttempts: 5,
      on: { connected: () => setState('live'), closed: () => setState('closed') },
    });
    const stop = ws.subscribe<{ objectEvents: ObjectEvent }>(
      { query: QUERY, variables: { bucket: applied.bucket || undefined, prefix: applied.prefix || undefined } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return setError(Object.assign(new Error(errors[0].message), { code: (errors[0].extensions as { code?: string } | undefined)?.code }));
          if (data) setEvents((list) => [data.objectEvents, ...list].slice(0, KEEP));
        },
        error: (err) => setError(err instanceof Error ? err : new Error((err as { reason?: string }).reason || 'the connection closed')),
        complete: () => setState('closed'),
      },
    );
    return () => {
      stop();
      void ws.dispose();
    };
  }, [apiKey, applied.bucket, applied.prefix]);
  return (
    <main>
      <div class="card">
        <h2>Events</h2>
        <ErrorBox error={error} />
        <form
          class="row"
          aria-label="event filter"
          onSubmit={(e) => {
            e.preventDefault();
            setEvents([]);
            // The old subscription's state must not show while the new one connects.
            setState('connecting');
            setApplied(filter);
          }}
        >
          <input name="bucket" placeholder="bucket" value={filter.bucket} onInput={(e) => setFilter({ ...filter, bucket: (e.target as HTMLInputElement).value })} />
          <input name="prefix" placeholder="key prefix" value={filter.prefix} onInput={(e) => setFilter({ ...filter, prefix: (e.target as HTMLInputElement).value })} />
          <button type="submit">Filter</button>
          <span class="muted" data-state={state}>
            {state === 'live' ? '● live' : state}
          </span>
        </form>
        <table aria-label="events">
          <tbody>
            {events.map((e) => (
              <tr key={e.id} data-event={e.id}>
                <td class="hide-narrow muted">{e.timestamp}</td>
                <td>{e.type}</td>
                <td>
                  {e.data.bucket}/{e.data.key}
                </td>
                <td>{e.data.size ?? ''}</td>
              </tr>
            ))}
            {events.length === 0 && (
              <tr>
                <td class="muted">Waiting for events…</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}
