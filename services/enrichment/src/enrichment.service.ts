import type { ServiceDefinition } from '@leads/service';
import { CreateEnrichmentTables1764300000000 } from '../migrations/1764300000000-create-enrichment-tables.migration';
import { enrichmentSettings } from './enrichment.config';
import { EnrichmentsModule } from './enrichments/enrichments.module';

/**
 * `lead.created` → `lead.enriched`: email verification (syntax, MX through DNS with a per-domain
 * cache), email class, IP geolocation (offline DB-IP database) and company inference; the
 * latest result per lead in its database, readable at `GET /v1/leads/:id/enrichment` (internal).
 */
export const enrichmentService: ServiceDefinition<typeof enrichmentSettings> = {
  name: 'enrichment',
  defaultPort: 3001,
  config: enrichmentSettings,
  migrations: [CreateEnrichmentTables1764300000000],
  imports: () => [EnrichmentsModule],
  consumesEvents: true,
};
