import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** IPv6 global unicast: 2000::/3; everything outside it is special or unassigned. */
const GLOBAL_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Whether a webhook must never reach this address: anything but a public unicast address. ipaddr.js's
 * list of IANA special-purpose ranges decides (loopback, private, link-local and cloud metadata, CGNAT,
 * documentation and benchmarking, multicast, reserved), and every IPv6 form that embeds or translates
 * an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64) is refused whole, whatever it embeds.
 */
export function isBlockedAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return true;
  }
  if (parsed.range() !== 'unicast') return true;
  return parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).match(GLOBAL_V6 as [ipaddr.IPv6, number]);
}

/**
 * Why a destination URL is refused, or undefined. Checks the scheme (http and https unless others are
 * named) and every address the host resolves to.
 */
export async function urlProblem(url: string, allowPrivate: boolean, schemes: readonly string[] = ['http:', 'https:']): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'it is not a valid URL';
  }
  if (!schemes.includes(u.protocol)) return `only ${schemes.map((s) => s.slice(0, -1)).join(', ')} URLs are allowed`;
  if (!u.hostname) return 'it names no host';
  if (allowPrivate) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
  } catch {
    return `its host '${host}' does not resolve`;
  }
  const bad = addresses.find((a) => isBlockedAddress(a.address));
  return bad
    ? `it resolves to ${bad.address}, a loopback, private, link-local, documentation or other special-purpose address (the operator can allow such receivers with S3GATE_WEBHOOK_ALLOW_PRIVATE=true)`
    : undefined;
}

/**
 * A dns.lookup for the delivery agent that refuses blocked addresses at connection time, so a name
 * that resolved to a public address at registration cannot be pointed inside later (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const ok = allowPrivate ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
      if (ok.length === 0) return callback(Object.assign(new Error(`refused: ${hostname} resolves only to private or reserved addresses`), { code: 'S3GATE_SSRF' }), '');
      if ((options as { all?: boolean }).all) return callback(null, ok);
      callback(null, ok[0].address, ok[0].family);
    });
  };
}
