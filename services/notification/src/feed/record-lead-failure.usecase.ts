import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { FailureStage, type LeadFailed } from '@leads/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** `FAILURE_STAGE_SCORING` → `scoring`. */
export function stageName(stage: FailureStage): string {
  return (FailureStage[stage] ?? 'UNSPECIFIED').replace(/^FAILURE_STAGE_/, '').toLowerCase();
}

/**
 * Queues a `lead.failed` for grouping, in the consumer's transaction (with the inbox row: a
 * redelivery queues nothing). The consumer only appends a row: groups are updated by the
 * grouping worker, one short transaction per workspace, so that the handlers of different
 * partitions (several workspaces each) never wait on each other's locks.
 */
@Injectable()
export class RecordLeadFailure {
  async execute(manager: EntityManager, event: LeadFailed, eventTime: string): Promise<void> {
    await manager.query(
      `INSERT INTO lead_failures (workspace_id, lead_id, stage, reason, error_code, failed_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        event.workspaceId.toLowerCase(),
        event.leadId.toLowerCase(),
        stageName(event.stage),
        event.reason.slice(0, 1000),
        event.errorCode.slice(0, 100),
        failedAt(event.occurredAt, eventTime),
      ],
    );
  }
}

function failedAt(occurredAt: Timestamp | undefined, eventTime: string): Date {
  return occurredAt ? timestampDate(occurredAt) : new Date(eventTime);
}
