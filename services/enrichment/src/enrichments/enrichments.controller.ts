import { queryRows } from '@leads/persistence';
import { InternalAuthGuard, ParseIdPipe, Scope, notFound, type RequestScope } from '@leads/service';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InferredCompany } from '../company/company.rules';
import type { IpLocation } from '../geolocation/ip-geolocation.provider';
import type { EnrichmentFailure } from './lead-enrichment.repository';

interface EnrichmentRow {
  status: 'enriched' | 'failed';
  email: string;
  email_domain: string | null;
  syntax_valid: boolean | null;
  mx_status: string | null;
  mx_hosts: string[];
  email_class: string | null;
  geolocation: IpLocation | null;
  company: InferredCompany | null;
  failure: EnrichmentFailure | null;
  attempts: number;
  duration_ms: number;
  enrichment_count: number;
  enriched_at: Date;
}

/** The latest enrichment of a lead, for its timeline: what was found, how long it took, how many runs. */
@Controller('v1/leads/:id/enrichment')
@UseGuards(InternalAuthGuard)
export class EnrichmentsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async latest(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) id: string) {
    const [row] = await queryRows<EnrichmentRow>(
      this.dataSource,
      `SELECT status, email, email_domain, syntax_valid, mx_status, mx_hosts, email_class, geolocation, company, failure, attempts,
              duration_ms, enrichment_count, enriched_at
       FROM lead_enrichments WHERE workspace_id = $1 AND lead_id = $2`,
      [scope.workspaceId, id],
    );
    if (!row) throw notFound('Enrichment');
    return {
      leadId: id,
      status: row.status,
      email: row.email,
      emailDomain: row.email_domain,
      syntaxValid: row.syntax_valid,
      mxStatus: row.mx_status,
      mxHosts: row.mx_hosts,
      emailClass: row.email_class,
      geolocation: row.geolocation,
      company: row.company,
      failure: row.failure,
      attempts: row.attempts,
      durationMs: row.duration_ms,
      runs: row.enrichment_count,
      enrichedAt: row.enriched_at.toISOString(),
    };
  }
}
