import { loadConfig } from '@leads/config';
import { z } from 'zod';
import { enrichmentSettings, isDnsServer } from './enrichment.config';

const schema = z.object(enrichmentSettings);

describe('enrichment settings', () => {
  it('defaults: the system resolvers, 2 s per DNS step, 2 tries, a day of cache, a minute for unfinished lookups, 3 attempts', () => {
    expect(loadConfig(schema, {})).toEqual({
      DNS_TIMEOUT_MS: 2000,
      DNS_TRIES: 2,
      DOMAIN_CACHE_TTL_SECONDS: 86_400,
      DOMAIN_CACHE_RETRY_TTL_SECONDS: 60,
      ENRICHMENT_ATTEMPTS: 3,
    });
  });

  it('reads DNS_SERVERS as a list of ip[:port]', () => {
    expect(loadConfig(schema, { DNS_SERVERS: '1.1.1.1, 127.0.0.1:5353,[::1]:53,2606:4700:4700::1111' }).DNS_SERVERS).toEqual([
      '1.1.1.1',
      '127.0.0.1:5353',
      '[::1]:53',
      '2606:4700:4700::1111',
    ]);
  });

  it('accepts an IPv4 or IPv6 address, with a port only in the ipv4:port or [ipv6]:port form', () => {
    expect(['8.8.8.8', '8.8.8.8:53', '::1', '[::1]:5353'].every(isDnsServer)).toBe(true);
    expect(['::1:53:', '[::1]', '8.8.8.8:', 'localhost:53'].some(isDnsServer)).toBe(false);
  });

  it.each(['dns.google', '1.1.1.1:0', '1.1.1.1:70000', '[1.1.1.1]:53', '::1:53x', '1.1.1.1,'])('rejects the DNS server %j', (entry) => {
    expect(() => loadConfig(schema, { DNS_SERVERS: entry })).toThrow(/DNS_SERVERS: must be a comma-separated list/);
  });
});
