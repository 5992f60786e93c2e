import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { ActorKind, type LeadAnalysisRequested, type LeadEnriched } from '@leads/contracts';
import { currentTraceHeaders } from '@leads/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@leads/observability';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { AnalysisJobsStore } from './analysis-jobs.store';
import { snapshotOf } from './lead-snapshot';

/**
 * The consumer's whole share of an analysis, inside its transaction (with the inbox row): keep
 * the lead's enriched profile and record a durable job that carries it. No model call here: the
 * worker pool runs the job once this transaction has committed.
 */
@Injectable()
export class RecordAnalysisJob {
  constructor(
    private readonly store: AnalysisJobsStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns the new job's id; undefined when there is nothing new to analyse (a stale or repeated enrichment). */
  async fromEnriched(manager: EntityManager, event: LeadEnriched, eventId: string, eventTime: string): Promise<string | undefined> {
    const workspaceId = event.workspaceId.toLowerCase();
    const leadId = event.leadId.toLowerCase();
    const snapshot = snapshotOf(event);
    const jobId = await this.store.enqueue(
      manager,
      {
        workspaceId,
        leadId,
        // The same enrichment published twice (even under two event ids) is analysed once.
        dedupeKey: event.submissionId ? `submission:${event.submissionId}` : `event:${eventId}`,
        trigger: 'lead.enriched',
        triggerEventId: eventId,
        input: snapshot,
        traceHeaders: currentTraceHeaders(),
      },
      occurredAt(event.occurredAt, eventTime),
    );
    if (!jobId) this.logger.info({ leadId, eventId }, 'lead.enriched already analysed, or older than the profile kept: no new analysis');
    return jobId;
  }

  /** A new analysis of the latest enriched profile kept; the job fails visibly when there is none. */
  async fromRequest(manager: EntityManager, event: LeadAnalysisRequested, eventId: string): Promise<string | undefined> {
    const workspaceId = event.workspaceId.toLowerCase();
    const leadId = event.leadId.toLowerCase();
    const actor = event.requestedBy;
    // The input is the latest enriched profile kept (looked up in the same statement); null when there is none.
    return this.store.enqueue(manager, {
      workspaceId,
      leadId,
      dedupeKey: `event:${eventId}`,
      trigger: 'lead.analysis-requested',
      triggerEventId: eventId,
      requestedBy: actor ? { kind: (ActorKind[actor.kind] ?? 'UNSPECIFIED').toLowerCase(), id: actor.id } : null,
      input: null,
      traceHeaders: currentTraceHeaders(),
    });
  }
}

function occurredAt(timestamp: Timestamp | undefined, eventTime: string): Date {
  return timestamp ? timestampDate(timestamp) : new Date(eventTime);
}
