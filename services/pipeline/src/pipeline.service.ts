import type { ServiceDefinition } from '@leads/service';
import { CreatePipelineTables1764288000000 } from '../migrations/1764288000000-create-pipeline-tables.migration';
import { LeadProfileDetails1764500000000 } from '../migrations/1764500000000-lead-profile-details.migration';
import { BoardModule } from './board/board.module';
import { FunnelModule } from './funnel/funnel.module';
import { LeadsModule } from './leads/leads.module';
import { PipelinesModule } from './pipelines/pipelines.module';

/**
 * Pipelines and stages, the leads read model (from the lead.* events), moves with their
 * history and `lead.stage-changed` events, the Kanban board and the funnel. Internal API:
 * called by the ingest gateway only.
 */
export const pipelineService: ServiceDefinition<Record<string, never>> = {
  name: 'pipeline',
  defaultPort: 3005,
  config: {},
  migrations: [CreatePipelineTables1764288000000, LeadProfileDetails1764500000000],
  imports: () => [PipelinesModule, LeadsModule, BoardModule, FunnelModule],
  consumesEvents: true,
};
