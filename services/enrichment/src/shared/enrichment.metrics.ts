import { defineCounter, defineHistogram } from '@leads/observability';

/** Seconds from a `lead.created` handed to enrichment to its result written (DNS, geolocation, company, row, outbox). */
export const enrichmentDuration = defineHistogram<'outcome'>({
  name: 'enrichment_duration_seconds',
  help: 'Time to enrich one lead, by outcome (enriched, failed)',
  labelNames: ['outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** DNS lookups by what they found: mx, null_mx, no_mx_address, no_mx_no_address, no_mx_address_unknown, nxdomain, timeout, error. */
export const dnsLookups = defineCounter<'outcome'>({
  name: 'enrichment_dns_lookups_total',
  help: 'MX lookups sent to DNS, by outcome',
  labelNames: ['outcome'],
});

/** Email domains answered from the domain cache (hit) or looked up in DNS (miss). */
export const domainCacheRequests = defineCounter<'result'>({
  name: 'enrichment_domain_cache_requests_total',
  help: 'Email domains answered without a DNS query (hit: the cache, or a lookup of the domain already in flight) or looked up in DNS (miss)',
  labelNames: ['result'],
});
