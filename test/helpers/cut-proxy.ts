import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './http.js';

/**
 * A TCP proxy on loopback in front of a gateway or a broker: `cut()` destroys every connection through
 * it (a dropped network, mid-request), `down()` also refuses new ones until `up()` (a server stopped and
 * started again, as its clients see it), and `target` can be pointed at another process between
 * requests. Closed at the end of the test.
 */
export async function cutProxy(t: Teardown, target: number) {
  const live = new Set<net.Socket>();
  const state = { target, cuts: 0, down: false };
  const server = net.createServer((client) => {
    if (state.down) {
      client.destroy();
      return;
    }
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
    /** Cuts every connection and refuses new ones until up(). */
    down(): void {
      state.down = true;
      this.cut();
    },
    up(): void {
      state.down = false;
    },
    get port(): number {
      return (server.address() as AddressInfo).port;
    },
    get cuts() {
      return state.cuts;
    },
  };
}
