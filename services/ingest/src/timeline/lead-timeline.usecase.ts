import { LOGGER } from '@leads/observability';
import { queryRows } from '@leads/persistence';
import { notFound, type RequestScope } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Downstream } from '../gateway/downstream';
import { ForwardedProblem } from '../gateway/internal-client';
import { mergeTimeline, type Analysis, type Enrichment, type SequenceActivity, type StageMove, type Submission, type TimelineEntry } from './timeline-entries';

/** The most recent submissions a timeline shows (a lead resubmitted more often keeps the rest). */
const MAX_SUBMISSIONS = 100;

export type TimelinePart = 'enrichment' | 'scoring' | 'pipeline' | 'sequences';

export interface Timeline {
  items: TimelineEntry[];
  /** Services that did not answer: their part of the lead's story is missing from `items`. */
  unavailable: TimelinePart[];
  /** Older entries were left out (see the per-source limits). */
  truncated: boolean;
}

interface SubmissionRow {
  id: string;
  channel: string;
  source_id: string | null;
  fields: Record<string, unknown>;
  utm: Record<string, string>;
  referrer: string | null;
  created_at: Date;
}

/**
 * A lead's story told by every service that took part, composed by the gateway: its submissions
 * (here), enrichment, each AI analysis and attempt, stage moves and sequence emails. A service
 * that fails to answer leaves its part out and is named in `unavailable`: the rest still shows.
 */
@Injectable()
export class LeadTimeline {
  constructor(
    private readonly dataSource: DataSource,
    private readonly downstream: Downstream,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async of(scope: RequestScope, leadId: string): Promise<Timeline> {
    const submissions = await this.submissions(scope.workspaceId, leadId);
    if (submissions === null) throw notFound('Lead');
    const unavailable: TimelinePart[] = [];
    const ask = async <T>(part: TimelinePart, call: () => Promise<T>): Promise<T | null> => {
      try {
        return await call();
      } catch (error) {
        // 404: that service has nothing about the lead yet (its event is still on the way).
        if (error instanceof ForwardedProblem && error.getStatus() === 404) return null;
        this.logger.warn({ err: error, leadId, part }, 'a service did not answer for a lead timeline');
        unavailable.push(part);
        return null;
      }
    };
    const path = `/v1/leads/${leadId}`;
    const [enrichment, analyses, moves, sequences] = await Promise.all([
      ask('enrichment', () => this.downstream.enrichment<Enrichment>(scope, { method: 'GET', path: `${path}/enrichment` })),
      ask('scoring', () => this.downstream.scoring<{ items: Analysis[]; truncated: boolean }>(scope, { method: 'GET', path: `${path}/analyses` })),
      ask('pipeline', () => this.downstream.pipeline<{ items: StageMove[] }>(scope, { method: 'GET', path: `${path}/history` })),
      ask('sequences', () => this.downstream.sequences<SequenceActivity & { truncated: boolean }>(scope, { method: 'GET', path: `${path}/sequence-activity` })),
    ]);
    const items = mergeTimeline({
      submissions: submissions.items,
      enrichment,
      analyses: analyses?.items ?? [],
      moves: moves?.items ?? [],
      sequences,
    });
    return { items, unavailable: unavailable.sort(), truncated: submissions.truncated || Boolean(analyses?.truncated) || Boolean(sequences?.truncated) };
  }

  /** The lead's latest submissions, oldest first; null when the workspace has no such lead. */
  private async submissions(workspaceId: string, leadId: string): Promise<{ items: Submission[]; truncated: boolean } | null> {
    const rows = await queryRows<SubmissionRow>(
      this.dataSource,
      `SELECT s.id, s.channel, s.source_id, s.fields, s.utm, s.referrer, s.created_at
       FROM leads l LEFT JOIN LATERAL (
         SELECT * FROM submissions WHERE workspace_id = l.workspace_id AND lead_id = l.id ORDER BY created_at DESC, id DESC LIMIT $3
       ) s ON true
       WHERE l.workspace_id = $1 AND l.id = $2`,
      [workspaceId, leadId, MAX_SUBMISSIONS + 1],
    );
    if (rows.length === 0) return null;
    // The lead with no submission yields one row of nulls.
    const found = rows.filter((row) => row.id !== null);
    return {
      items: found
        .slice(0, MAX_SUBMISSIONS)
        .reverse()
        .map((row) => ({ id: row.id, channel: row.channel, sourceId: row.source_id, fields: row.fields, utm: row.utm, referrer: row.referrer, createdAt: row.created_at.toISOString() })),
      truncated: found.length > MAX_SUBMISSIONS,
    };
  }
}
