import { Module } from '@nestjs/common';
import { MovesModule } from '../moves/moves.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { BulkMoveLeads } from './bulk-move-leads.usecase';
import { LeadEventsConsumer } from './lead-events.consumer';
import { LeadsController } from './leads.controller';
import { LeadsMetrics } from './leads.metrics';
import { ListLeads } from './list-leads.usecase';
import { MoveLead } from './move-lead.usecase';
import { PlaceLead } from './place-lead.usecase';
import { ProjectLeadEvent } from './project-lead-event.usecase';

@Module({
  imports: [MovesModule, PipelinesModule],
  controllers: [LeadsController, LeadEventsConsumer],
  providers: [ListLeads, MoveLead, BulkMoveLeads, ProjectLeadEvent, PlaceLead, LeadsMetrics],
})
export class LeadsModule {}
