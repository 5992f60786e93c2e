import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Criteria, EnrollableQualification, LeadSourceName } from '../sequences/sequence.entity';
import { decideEnrollment, isEnrollable, undeliverableReason, type LeadFacts } from './enrollment.rules';
import { stopLeadEnrollments } from './enrollment.repository';
import { isSuppressed, recordPlacement, recordScore, setAwaitingPlacement, type Placement, type ScoredLead } from './lead.repository';
import { queryRows } from '@leads/persistence';

interface ActiveSequenceRow {
  id: string;
  qualifications: EnrollableQualification[];
  pipeline_ids: string[];
  sources: LeadSourceName[];
  min_score: number | null;
}

/**
 * The consumers' share, in their inbox transaction. A lead scored hot or warm is enrolled in every
 * active sequence whose criteria it matches, once per sequence however often it is scored (the
 * unique enrolment per lead and sequence). A sequence that filters on pipelines decides when the
 * lead's pipeline is known: at scoring time, or when its first lead.stage-changed arrives. A lead
 * that reaches a Win or Lost stage, or whose address turns out invalid or disposable, has its
 * enrolments stopped.
 */
@Injectable()
export class EnrollLead {
  /** Returns how many enrolments were made. */
  async onScored(manager: EntityManager, workspaceId: string, leadId: string, scored: ScoredLead): Promise<number> {
    const { lead, applied } = await recordScore(manager, workspaceId, leadId, scored);
    const undeliverable = undeliverableReason(lead.emailClass);
    if (applied && undeliverable) await stopLeadEnrollments(manager, workspaceId, leadId, undeliverable);
    return this.enroll(manager, workspaceId, lead, 'every sequence');
  }

  /** Returns how many enrolments were made. */
  async onPlaced(manager: EntityManager, workspaceId: string, leadId: string, placement: Placement): Promise<number> {
    const { lead, applied } = await recordPlacement(manager, workspaceId, leadId, placement);
    if (applied && (lead.stageKind === 'win' || lead.stageKind === 'lost')) {
      await stopLeadEnrollments(manager, workspaceId, leadId, lead.stageKind === 'win' ? 'won' : 'lost');
    }
    return lead.awaitingPlacement ? this.enroll(manager, workspaceId, lead, 'sequences filtering on pipelines') : 0;
  }

  private async enroll(manager: EntityManager, workspaceId: string, lead: LeadFacts, among: 'every sequence' | 'sequences filtering on pipelines'): Promise<number> {
    let enrolled = 0;
    let awaitingPlacement = false;
    if (isEnrollable(lead) && !(await isSuppressed(manager, workspaceId, lead.email!))) {
      const matching: string[] = [];
      for (const sequence of await this.activeSequences(manager, workspaceId)) {
        if (among !== 'every sequence' && sequence.pipelineIds.length === 0) continue;
        const decision = decideEnrollment(sequence, lead);
        if (decision === 'enrol') matching.push(sequence.id);
        else if (decision === 'await_placement') awaitingPlacement = true;
      }
      enrolled = await this.insertEnrollments(manager, workspaceId, lead.id, matching);
    }
    if (awaitingPlacement !== lead.awaitingPlacement) await setAwaitingPlacement(manager, workspaceId, lead.id, awaitingPlacement);
    return enrolled;
  }

  /**
   * FOR SHARE: pausing, archiving or deleting a sequence waits for this transaction, and this
   * one sees the sequence as it is after such a change (never enrols in a sequence just paused).
   */
  private async activeSequences(manager: EntityManager, workspaceId: string): Promise<Array<Criteria & { id: string }>> {
    const rows = await queryRows<ActiveSequenceRow>(
      manager,
      `SELECT id, qualifications, pipeline_ids, sources, min_score FROM sequences WHERE workspace_id = $1 AND status = 'active' FOR SHARE`,
      [workspaceId],
    );
    return rows.map((row) => ({ id: row.id, qualifications: row.qualifications, pipelineIds: row.pipeline_ids, sources: row.sources, minScore: row.min_score }));
  }

  /** The first step falls due its delay after enrolment. An enrolment that exists already is left as it is. */
  private async insertEnrollments(manager: EntityManager, workspaceId: string, leadId: string, sequenceIds: readonly string[]): Promise<number> {
    if (sequenceIds.length === 0) return 0;
    const inserted = await queryRows(
      manager,
      `INSERT INTO enrollments (workspace_id, id, sequence_id, lead_id, status, next_run_at)
       SELECT $1, enrolment.id, s.id, $2, 'active', now() + (s.steps -> 0 ->> 'delaySeconds')::int * interval '1 second'
       FROM unnest($3::uuid[], $4::uuid[]) AS enrolment (id, sequence_id)
       JOIN sequences s ON s.workspace_id = $1 AND s.id = enrolment.sequence_id
       ON CONFLICT (workspace_id, sequence_id, lead_id) DO NOTHING
       RETURNING id`,
      [workspaceId, leadId, sequenceIds.map(() => randomUUID()), sequenceIds],
    );
    return inserted.length;
  }
}
