import { Topics, type LeadAnalysisRequested, type LeadEnriched } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AnalysisJobsWorker } from './analysis-jobs.worker';
import { RecordAnalysisJob } from './record-analysis-job.usecase';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `lead.enriched` and `lead.analysis-requested` become durable analysis jobs, recorded in the
 * handler's transaction (with the inbox row: a redelivery records nothing). The handler never
 * waits on the model: once the transaction commits, it wakes the worker pool and returns.
 */
@Controller()
export class LeadEventsConsumer {
  constructor(
    private readonly record: RecordAnalysisJob,
    private readonly worker: AnalysisJobsWorker,
  ) {}

  @OnEvent(Topics.leadEnriched)
  async onLeadEnriched(@Payload() event: LeadEnriched, @Ctx() context: EventContext): Promise<void> {
    assertIds(event);
    const jobId = await this.record.fromEnriched(context.manager, event, context.eventId, context.event.attributes.time);
    if (jobId) context.afterCommit(() => this.worker.wake());
  }

  @OnEvent(Topics.leadAnalysisRequested)
  async onAnalysisRequested(@Payload() event: LeadAnalysisRequested, @Ctx() context: EventContext): Promise<void> {
    assertIds(event);
    const jobId = await this.record.fromRequest(context.manager, event, context.eventId);
    if (jobId) context.afterCommit(() => this.worker.wake());
  }
}

/** Retrying cannot fix an id that is not a UUID: straight to the dead-letter topic. */
function assertIds(event: { leadId: string; workspaceId: string }): void {
  if (!UUID.test(event.leadId) || !UUID.test(event.workspaceId)) {
    throw new NonRetryableEventError(`lead ${JSON.stringify(event.leadId)} of workspace ${JSON.stringify(event.workspaceId)}: the ids must be UUIDs`);
  }
}
