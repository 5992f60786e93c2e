import { notFound } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadPipeline } from '../pipelines/pipeline.repository';
import { computeFunnel, type FunnelStep, type FunnelTotals, type LeadDepthGroup } from './funnel.rules';
import type { FunnelQuery } from './funnel.schema';
import { Conditions, queryRows } from '@leads/persistence';

export interface FunnelJson {
  readonly pipelineId: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly source: string | null;
  readonly stages: FunnelStep[];
  readonly totals: FunnelTotals;
}

/**
 * The funnel of a pipeline (definition in funnel.rules.ts and the README): the database
 * reduces the cohort's stage history to a few groups and medians, computeFunnel does the rest.
 */
@Injectable()
export class GetFunnel {
  constructor(private readonly dataSource: DataSource) {}

  async execute(workspaceId: string, pipelineId: string, query: FunnelQuery): Promise<FunnelJson> {
    const pipeline = await loadPipeline(this.dataSource, workspaceId, pipelineId);
    if (!pipeline) throw notFound('Pipeline');

    // The cohort: the leads now in the pipeline, created in [from, to), of the source.
    const where = new Conditions(workspaceId, pipelineId).and('lead.workspace_id = $1 AND lead.pipeline_id = $2');
    if (query.from) where.and(`lead.created_at >= ${where.param(query.from)}`);
    if (query.to) where.and(`lead.created_at < ${where.param(query.to)}`);
    if (query.source) where.and(`lead.source = ${where.param(query.source)}`);
    const cohort = `cohort AS (
      SELECT lead.id, stage.kind AS outcome FROM leads lead
      JOIN stages stage ON stage.workspace_id = lead.workspace_id AND stage.id = lead.stage_id
      WHERE ${where})`;

    const groups = await queryRows<LeadDepthGroup>(
      this.dataSource,
      `WITH ${cohort}, depth AS (
         SELECT cohort.outcome,
                (SELECT max(stage.position) FROM stage_history history
                 JOIN stages stage ON stage.workspace_id = history.workspace_id AND stage.id = history.to_stage_id
                 WHERE history.workspace_id = $1 AND history.lead_id = cohort.id AND stage.pipeline_id = $2 AND stage.kind = 'open') AS furthest
         FROM cohort)
       SELECT furthest AS "furthestOpenPosition", outcome, count(*)::int AS leads FROM depth GROUP BY furthest, outcome`,
      where.params,
    );
    // A stay ends when the lead's next move (to any stage, of any pipeline) is recorded.
    const medians = await queryRows<{ stage_id: string; seconds: number }>(
      this.dataSource,
      `WITH ${cohort}, stays AS (
         SELECT history.to_stage_id AS stage_id,
                extract(epoch FROM lead(history.moved_at) OVER (PARTITION BY history.lead_id ORDER BY history.moved_at, history.id) - history.moved_at)::float8 AS seconds
         FROM stage_history history JOIN cohort ON cohort.id = history.lead_id
         WHERE history.workspace_id = $1)
       SELECT stays.stage_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY stays.seconds) AS seconds
       FROM stays JOIN stages stage ON stage.workspace_id = $1 AND stage.id = stays.stage_id AND stage.pipeline_id = $2
       WHERE stays.seconds IS NOT NULL GROUP BY stays.stage_id`,
      where.params,
    );

    const funnel = computeFunnel(pipeline.stages, groups, new Map(medians.map((row) => [row.stage_id, row.seconds])));
    return {
      pipelineId,
      from: query.from?.toISOString() ?? null,
      to: query.to?.toISOString() ?? null,
      source: query.source ?? null,
      ...funnel,
    };
  }
}
