import type { ServiceDefinition } from '@leads/service';
import { SequencesTables1764400000000 } from '../migrations/1764400000000-sequences-tables.migration';
import { EnrollmentsModule } from './enrollments/enrollments.module';
import { SenderModule } from './sender/sender.module';
import { sequencesSettings } from './sequences.config';
import { SequencesModule } from './sequences/sequences.module';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';

/**
 * Email sequences: hot and warm leads (`lead.scored`) are enrolled in the matching active
 * sequences, a durable scheduler sends their timed steps through SMTP (safe with replicas: a step
 * goes at most once), and enrolments stop on Win or Lost (`lead.stage-changed`), unsubscribe, or
 * an undeliverable address. Internal API: called by the ingest gateway only.
 */
export const sequencesService: ServiceDefinition<typeof sequencesSettings> = {
  name: 'sequences',
  defaultPort: 3003,
  config: sequencesSettings,
  migrations: [SequencesTables1764400000000],
  imports: () => [SequencesModule, EnrollmentsModule, SenderModule, UnsubscribeModule],
  consumesEvents: true,
};
