import type { Server } from 'node:net';

/**
 * Caps a listener's open connections (S3GATE_MAX_CONNECTIONS): Node closes a connection beyond `max`
 * as it arrives, before a byte of it is read, and emits 'drop'. 0 leaves the listener uncapped.
 */
export function capConnections(server: Server, max: number, dropped: () => void): void {
  if (max > 0) server.maxConnections = max;
  server.on('drop', dropped);
}
