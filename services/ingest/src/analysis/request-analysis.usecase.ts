import { Injectable } from '@nestjs/common';
import { ActorKind, Topics, type LeadAnalysisRequestedSchema } from '@leads/contracts';
import { Outbox, type OutgoingEvent } from '@leads/messaging';
import { notFound, type RequestScope } from '@leads/service';
import { DataSource } from 'typeorm';
import { Downstream } from '../gateway/downstream';

const ACTOR_KINDS = { user: ActorKind.USER, api_key: ActorKind.API_KEY, system: ActorKind.SYSTEM } as const;
/** The pipeline service's page size limit. */
const PAGE_SIZE = 100;

export interface BulkRetryResult {
  requested: number;
  results: Array<{ leadId: string; status: 'requested' | 'not_found' }>;
}

interface FailedLeadsPage {
  items: Array<{ id: string; failure: { stage: 'enrichment' | 'scoring' } | null }>;
  nextCursor: string | null;
}

/**
 * Asks the scoring service for a new analysis of a lead (`lead.analysis-requested`, through the
 * outbox: the request is stored with the event or not at all). The lead must be the workspace's.
 */
@Injectable()
export class RequestAnalysis {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly downstream: Downstream,
  ) {}

  async retryOne(scope: RequestScope, leadId: string, reason = ''): Promise<{ leadId: string; requested: number }> {
    return this.dataSource.transaction(async (manager) => {
      const [lead] = await manager.query(`SELECT id FROM leads WHERE id = $1 AND workspace_id = $2`, [leadId, scope.workspaceId]);
      if (!lead) throw notFound('Lead');
      await this.outbox.publish(manager, this.event(scope, leadId, reason));
      return { leadId, requested: 1 };
    });
  }

  /** A new analysis for each of the leads that are the workspace's, in one transaction; a result per id. */
  async retryMany(scope: RequestScope, leadIds: readonly string[], reason = ''): Promise<BulkRetryResult> {
    const unique = [...new Set(leadIds.map((id) => id.toLowerCase()))];
    return this.dataSource.transaction(async (manager) => {
      const known: Array<{ id: string }> = await manager.query(`SELECT id FROM leads WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [scope.workspaceId, unique]);
      const found = new Set(known.map(({ id }) => id));
      await this.outbox.publishAll(manager, [...found].map((id) => this.event(scope, id, reason)));
      return {
        requested: found.size,
        results: unique.map((leadId) => ({ leadId, status: found.has(leadId) ? ('requested' as const) : ('not_found' as const) })),
      };
    });
  }

  /**
   * Every lead of the workspace whose analysis failed, as the pipeline service lists them
   * (`processingStatus=failed`, page by page), gets a new analysis. Leads that failed at the
   * enrichment stage are left out: a new analysis cannot fix their enrichment.
   */
  async retryFailed(scope: RequestScope, reason = ''): Promise<{ requested: number }> {
    const seen = new Set<string>();
    let requested = 0;
    let cursor: string | undefined;
    do {
      const page = await this.downstream.pipeline<FailedLeadsPage>(scope, {
        method: 'GET',
        path: '/v1/leads',
        query: { processingStatus: 'failed', limit: PAGE_SIZE, cursor },
      });
      const ids = page.items.filter((lead) => lead.failure?.stage !== 'enrichment' && !seen.has(lead.id)).map((lead) => lead.id);
      ids.forEach((id) => seen.add(id));
      if (ids.length > 0) {
        requested += await this.dataSource.transaction(async (manager) => {
          // Only leads the gateway knows in this workspace (the read model is another service's).
          const known: Array<{ id: string }> = await manager.query(`SELECT id FROM leads WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [
            scope.workspaceId,
            ids,
          ]);
          await this.outbox.publishAll(manager, known.map(({ id }) => this.event(scope, id, reason)));
          return known.length;
        });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { requested };
  }

  private event(scope: RequestScope, leadId: string, reason: string): OutgoingEvent<typeof LeadAnalysisRequestedSchema> {
    return {
      topic: Topics.leadAnalysisRequested,
      key: leadId,
      data: {
        leadId,
        workspaceId: scope.workspaceId,
        requestedBy: { kind: ACTOR_KINDS[scope.actor.kind], id: scope.actor.id },
        reason,
      },
    };
  }
}
