import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { InferredCompany } from '../company/company.rules';
import type { EmailFacts } from '../email/verify-email.usecase';
import type { IpLocation } from '../geolocation/ip-geolocation.provider';

/** The lead and the `lead.created` delivery a result answers. */
export interface EnrichmentSubject {
  readonly leadId: string;
  readonly workspaceId: string;
  readonly submissionId: string;
  /** `ce_id` of the `lead.created`. */
  readonly eventId: string;
  readonly email: string;
  readonly ipAddress: string;
}

export interface EnrichmentResult {
  readonly email: EmailFacts;
  readonly geolocation: IpLocation | null;
  readonly company: InferredCompany | null;
}

export interface EnrichmentFailure {
  readonly reason: string;
  readonly errorCode: string;
  readonly retryable: boolean;
}

/**
 * `lead_enrichments`: one row per lead, the latest result (a resubmitted lead is enriched again
 * and its row replaced), written in the consumer's transaction with the outgoing event.
 */
@Injectable()
export class LeadEnrichmentRepository {
  async saveEnriched(manager: EntityManager, subject: EnrichmentSubject, result: EnrichmentResult, attempts: number, durationMs: number): Promise<void> {
    await this.upsert(manager, subject, {
      status: 'enriched',
      syntax_valid: result.email.syntaxValid,
      email_domain: result.email.domain || null,
      mx_status: result.email.mxStatus,
      mx_hosts: result.email.mxHosts,
      email_class: result.email.emailClass,
      geolocation: result.geolocation ? JSON.stringify(result.geolocation) : null,
      company: result.company ? JSON.stringify(result.company) : null,
      failure: null,
      attempts,
      duration_ms: Math.round(durationMs),
    });
  }

  async saveFailed(manager: EntityManager, subject: EnrichmentSubject, failure: EnrichmentFailure, attempts: number, durationMs: number): Promise<void> {
    await this.upsert(manager, subject, {
      status: 'failed',
      syntax_valid: null,
      email_domain: null,
      mx_status: null,
      mx_hosts: [],
      email_class: null,
      geolocation: null,
      company: null,
      failure: JSON.stringify(failure),
      attempts,
      duration_ms: Math.round(durationMs),
    });
  }

  private async upsert(manager: EntityManager, subject: EnrichmentSubject, values: Record<string, unknown>): Promise<void> {
    const columns = ['lead_id', 'workspace_id', 'submission_id', 'source_event_id', 'email', 'ip_address', ...Object.keys(values)];
    const params = [subject.leadId, subject.workspaceId, subject.submissionId, subject.eventId, subject.email, subject.ipAddress || null, ...Object.values(values)];
    const updates = columns.filter((column) => column !== 'lead_id').map((column) => `${column} = EXCLUDED.${column}`);
    await manager.query(
      `INSERT INTO lead_enrichments (${columns.join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')})
       ON CONFLICT (lead_id) DO UPDATE SET ${updates.join(', ')},
         enrichment_count = lead_enrichments.enrichment_count + 1, enriched_at = clock_timestamp()`,
      params,
    );
  }
}
