import { integerSetting } from '@leads/config';
import { isIP } from 'node:net';
import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

/** One `DNS_SERVERS` entry: `ip`, `ipv4:port` or `[ipv6]:port`, as `Resolver.setServers` takes it. */
export function isDnsServer(entry: string): boolean {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(entry);
  const withPort = bracketed ?? /^([\d.]+):(\d{1,5})$/.exec(entry);
  if (!withPort) return isIP(entry) !== 0;
  const port = Number(withPort[2]);
  return port >= 1 && port <= 65535 && isIP(withPort[1]) === (bracketed ? 6 : 4);
}

/** `1.1.1.1, 127.0.0.1:5353,[::1]:53` → the list; empty or unset → null (the system's resolvers). */
export const dnsServers = z.string().transform((value, ctx) => {
  const servers = value.split(',').map((entry) => entry.trim());
  const bad = servers.filter((entry) => !isDnsServer(entry));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `must be a comma-separated list of ip, ipv4:port or [ipv6]:port (bad: ${bad.map((entry) => JSON.stringify(entry)).join(', ')})`,
    });
    return z.NEVER;
  }
  return servers;
});

export const enrichmentSettings = {
  /** Resolvers for the MX lookups; unset: the system's (/etc/resolv.conf). */
  DNS_SERVERS: dnsServers.optional(),
  /** The longest one DNS step may take (the MX query; then the A/AAAA queries): beyond it the MX status is `unknown`. */
  DNS_TIMEOUT_MS: integerSetting(10, 60_000).default(2000),
  /** Queries sent per server within DNS_TIMEOUT_MS (UDP retransmissions). */
  DNS_TRIES: integerSetting(1, 5).default(2),
  /** How long a domain's DNS answer (MX, class, company) is reused. */
  DOMAIN_CACHE_TTL_SECONDS: integerSetting(0, 30 * 86_400).default(86_400),
  /** How long a lookup that did not complete (timeout, SERVFAIL) is reused before DNS is asked again. */
  DOMAIN_CACHE_RETRY_TTL_SECONDS: integerSetting(0, 86_400).default(60),
  /** Tries of a lead's enrichment, inside one delivery, before an internal error becomes `lead.failed`. */
  ENRICHMENT_ATTEMPTS: integerSetting(1, 10).default(3),
};

export type EnrichmentConfig = ServiceConfig & z.infer<z.ZodObject<typeof enrichmentSettings>>;
