import type { Criteria, LeadSourceName } from '../sequences/sequence.entity';
import type { StopReason } from './enrollment.entity';

/** What the sequences service knows of a lead: the newest lead.scored and lead.stage-changed. */
export interface LeadFacts {
  readonly id: string;
  readonly email: string | null;
  readonly qualification: 'hot' | 'warm' | 'cold' | null;
  readonly score: number | null;
  readonly source: LeadSourceName | null;
  readonly emailClass: 'business' | 'personal' | 'disposable' | 'invalid' | null;
  /** Null until its first lead.stage-changed has been seen. */
  readonly pipelineId: string | null;
  readonly stageKind: 'open' | 'win' | 'lost' | null;
  readonly awaitingPlacement: boolean;
}

/** An address mail must not go to: the lead is not enrolled, and its enrolments stop. */
export function undeliverableReason(emailClass: LeadFacts['emailClass']): StopReason | undefined {
  if (emailClass === 'invalid') return 'email_invalid';
  if (emailClass === 'disposable') return 'email_disposable';
  return undefined;
}

/** A lead any sequence may enrol: hot or warm, with a deliverable address, not won or lost. */
export function isEnrollable(lead: LeadFacts): boolean {
  return (
    (lead.qualification === 'hot' || lead.qualification === 'warm') &&
    !!lead.email &&
    undeliverableReason(lead.emailClass) === undefined &&
    lead.stageKind !== 'win' &&
    lead.stageKind !== 'lost'
  );
}

/** `await_placement`: the sequence filters on pipelines and the lead's pipeline is not known yet. */
export type EnrollmentDecision = 'enrol' | 'skip' | 'await_placement';

/** Whether an enrollable lead matches a sequence's criteria. */
export function decideEnrollment(criteria: Criteria, lead: LeadFacts): EnrollmentDecision {
  if (!lead.qualification || !(criteria.qualifications as readonly string[]).includes(lead.qualification)) return 'skip';
  if (criteria.minScore !== null && (lead.score === null || lead.score < criteria.minScore)) return 'skip';
  if (criteria.sources.length > 0 && (!lead.source || !criteria.sources.includes(lead.source))) return 'skip';
  if (criteria.pipelineIds.length > 0) {
    if (!lead.pipelineId) return 'await_placement';
    if (!criteria.pipelineIds.includes(lead.pipelineId)) return 'skip';
  }
  return 'enrol';
}
