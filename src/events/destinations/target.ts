import type { Destination, DestinationSecrets } from '../../model/destination.js';
import type { ObjectEvent } from '../../model/event.js';
import type { Message } from './message.js';
import type { Connection } from './pool.js';

/** A broker destination as a publisher sees it: the URL without its password, the address checked, the secrets opened. */
export interface BrokerTarget {
  tenant: string;
  url: URL;
  /** The address the host resolved to and the SSRF rules allow (see guardedAddress). */
  address: string;
  settings: Destination;
  secrets: DestinationSecrets;
  /** The address to connect to for another host of the destination (NATS servers), by the same rules as `address`. */
  guard: (host: string) => Promise<string>;
}

/** One broker kind: how a connection is named (one per key and tenant), opened, and published on. */
export interface Publisher<C extends Connection> {
  key(t: Omit<BrokerTarget, 'address' | 'guard'>): string;
  open(t: BrokerTarget, timeoutMs: number): Promise<C>;
  /** Resolves once the broker has taken the message (confirmed, acknowledged, written). */
  publish(c: C, t: BrokerTarget, e: ObjectEvent, m: Message): Promise<void>;
}
