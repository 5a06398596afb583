import { createConnection } from 'node:net';

/**
 * Whether a broker listens on 127.0.0.1:port. One that does not fails the test with a message saying
 * which and how to start it (the machine and CI run them all: see the README's Tests section).
 */
export async function brokerUp(t: { fail(message: string): void }, name: string, port: number): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!up) t.fail(`${name} is not running on 127.0.0.1:${port}: start it (README, Tests: the brokers) and run this test again`);
  return up;
}
