import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { GeolocationModule } from '../geolocation/geolocation.module';
import { EnrichLead } from './enrich-lead.usecase';
import { EnrichmentsController } from './enrichments.controller';
import { LeadCreatedConsumer } from './lead-created.consumer';
import { LeadEnrichmentRepository } from './lead-enrichment.repository';

/** `lead.created` → the lead's enrichment, stored and published as `lead.enriched` (or `lead.failed`); the latest one readable per lead. */
@Module({
  imports: [EmailModule, GeolocationModule],
  controllers: [LeadCreatedConsumer, EnrichmentsController],
  providers: [EnrichLead, LeadEnrichmentRepository],
})
export class EnrichmentsModule {}
