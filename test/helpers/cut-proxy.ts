import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './http.js';

/**
 * A TCP proxy on loopback in front of a gateway: `cut()` destroys every connection through it (a
 * dropped network, mid-request), and `target` can be pointed at another gateway process between
 * requests. Closed at the end of the test.
 */
export async function cutProxy(t: Teardown, target: number) {
  const live = new Set<net.Socket>();
  const state = { target, cuts: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(state.target, '127.0.0.1');
    live.add(client);
    live.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of live) s.destroy();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set target(port: number) {
      state.target = port;
    },
    /** Destroys every open connection; returns how many client connections were cut. */
    cut(): number {
      let n = 0;
      for (const s of live) {
        s.destroy();
        n++;
      }
      live.clear();
      state.cuts++;
      return n / 2;
    },
    get cuts() {
      return state.cuts;
    },
  };
}
