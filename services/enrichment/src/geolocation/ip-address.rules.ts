import { BlockList, isIP } from 'node:net';

/**
 * Addresses that locate nobody: private, shared (CGNAT), loopback, link-local, documentation,
 * benchmarking, multicast and reserved ranges (IANA special-purpose registries). IPv6 outside
 * global unicast (2000::/3) is excluded as well.
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast address
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

export interface PublicAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * The lead's IP address ready for a geolocation lookup, or null when it is not one (empty,
 * malformed) or is not public. IPv4-mapped (`::ffff:192.0.2.1`) and NAT64 (`64:ff9b::c000:201`)
 * IPv6 addresses are looked up as the IPv4 address they carry; a zone (`fe80::1%eth0`) is dropped.
 */
export function publicAddressOf(raw: string): PublicAddress | null {
  const address = raw.trim().replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC.check(address, 'ipv4') ? null : { address, family: 4 };
  if (family !== 6) return null;
  const embedded = embeddedIpv4(address);
  if (embedded) return publicAddressOf(embedded);
  if (!GLOBAL_UNICAST_V6.check(address, 'ipv6') || NOT_PUBLIC.check(address, 'ipv6')) return null;
  return { address: address.toLowerCase(), family: 6 };
}

const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 address in the last 32 bits of an IPv4-mapped or NAT64 well-known-prefix address. */
function embeddedIpv4(address: string): string | null {
  if (!IPV4_MAPPED.check(address, 'ipv6') && !NAT64.check(address, 'ipv6')) return null;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1];
  const groups = expandIpv6(address);
  const [high, low] = [groups[6], groups[7]];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of a textual IPv6 address without an embedded dotted IPv4 part. */
function expandIpv6(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
