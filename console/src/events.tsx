import { createClient } from 'graphql-ws';
import { useEffect, useState } from 'preact/hooks';
import type { ObjectEvent } from '../../clients/typescript/src/index.js';
import { ErrorBox } from './error-box.js';
import { Bytes, Time } from './format.js';

const KEEP = 200;
const QUERY =
  'subscription($bucket: String, $prefix: String, $after: ID, $since: DateTime) { objectEvents(bucket: $bucket, prefix: $prefix, after: $after, since: $since) { id type timestamp data { tenant bucket key size etag source } } }';
/** Waits before subscribing again after the connection dropped: 1, 2, 4… seconds, at most 30. */
const backoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** attempt);

/**
 * #/events: the tenant's object events as they are recorded (the GraphQL subscription), newest first.
 * It shows what is recorded from the moment the page asked, and when the connection drops it
 * subscribes again after the last event it shows, so nothing recorded meanwhile is missing.
 */
export function Events({ apiKey }: { apiKey: string }) {
  const [filter, setFilter] = useState({ bucket: '', prefix: '' });
  const [applied, setApplied] = useState(filter);
  const [events, setEvents] = useState<ObjectEvent[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting' | 'closed'>('connecting');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setState('connecting');
    setError(null);
    const since = new Date().toISOString();
    let last: string | undefined;
    let attempt = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stop = () => {};
    const ws = createClient({
      url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      retryAttempts: 0,
      on: { connected: () => setState('live') },
    });
    const again = () => {
      if (stopped) return;
      setState('reconnecting');
      timer = setTimeout(subscribe, backoff(attempt++));
    };
    function subscribe() {
      const variables = { bucket: applied.bucket || undefined, prefix: applied.prefix || undefined, ...(last ? { after: last } : { since }) };
      stop = ws.subscribe<{ objectEvents: ObjectEvent }>(
        { query: QUERY, variables },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return setError(Object.assign(new Error(errors[0].message), { code: (errors[0].extensions as { code?: string } | undefined)?.code }));
            if (!data) return;
            attempt = 0;
            const e = data.objectEvents;
            last = e.id;
            setEvents((list) => (list.some((x) => x.id === e.id) ? list : [e, ...list].slice(0, KEEP)));
          },
          // A dropped connection (the gateway restarted, the network went away): subscribe again after the last event.
          error: (err) => {
            if ((err as { code?: number }).code === 4403 || (err as { code?: number }).code === 4401) {
              setError(err instanceof Error ? err : new Error((err as { reason?: string }).reason || 'the connection was refused'));
              return setState('closed');
            }
            again();
          },
          complete: () => again(),
        },
      );
    }
    subscribe();
    return () => {
      stopped = true;
      clearTimeout(timer);
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
                <td class="hide-narrow muted">
                  <Time iso={e.timestamp} />
                </td>
                <td>{e.type}</td>
                <td>
                  {e.data.bucket}/{e.data.key}
                </td>
                <td>
                  <Bytes n={e.data.size} />
                </td>
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
