import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Teardown } from './http.js';

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions: { code: string } }[];
}

/** POSTs GraphQL to a listening gateway, as any HTTP client would. */
export function gqlClient(base: string, apiKey: string | undefined) {
  return async <T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse<T>> => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey && { authorization: `Bearer ${apiKey}` }), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GqlResponse<T>, 'status'>;
    return { status: res.status, ...body };
  };
}

/** A graphql-ws client (the graphql-transport-ws protocol) on /graphql, disposed at the test's end. */
export function wsClient(t: Teardown, base: string, payload: Record<string, unknown> | undefined, onClosed?: (event: { code: number; reason: string }) => void): Client {
  const client = createClient({
    url: base.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: payload,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (e) => onClosed?.(e as { code: number; reason: string }) },
    onNonLazyError: () => {},
  });
  t.teardown(() => client.dispose());
  return client;
}

/** Collects what a subscription yields until it ends or errs. */
export function collect<T>(client: Client, query: string, variables?: Record<string, unknown>) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let done = false;
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => void (v.data ? items.push(v.data) : errors.push(v.errors)),
      error: (e) => {
        errors.push(e);
        done = true;
      },
      complete: () => void (done = true),
    },
  );
  return {
    items,
    errors,
    stop,
    get done() {
      return done;
    },
  };
}
