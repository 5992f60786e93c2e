import { encodeCursor, notFound } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { leadColumns, toLeadJson, type LeadJson, type LeadRow } from '../leads/lead.entity';
import { whereLeadsMatch, type LeadFilters } from '../leads/lead.repository';
import { toStageJson, type PipelineJson, type StageJson } from '../pipelines/pipeline.entity';
import { findPipeline, loadPipeline, stagesOf } from '../pipelines/pipeline.repository';
import type { BoardQuery, ColumnQuery } from './board.schema';
import { Conditions, queryRows } from '@leads/persistence';

export interface BoardColumn {
  readonly stage: StageJson;
  /** Cards of the stage that match the filters. */
  readonly count: number;
  readonly cards: LeadJson[];
  readonly nextCursor: string | null;
}

/**
 * The Kanban board: every stage of a pipeline with its count and first page of cards, in
 * Kanban order (position, then created), under the same filters; and one column's next pages.
 */
@Injectable()
export class GetBoard {
  constructor(private readonly dataSource: DataSource) {}

  async board(workspaceId: string, pipelineId: string, query: BoardQuery): Promise<{ pipeline: PipelineJson; columns: BoardColumn[] }> {
    const pipeline = await loadPipeline(this.dataSource, workspaceId, pipelineId);
    if (!pipeline) throw notFound('Pipeline');
    const stageIds = pipeline.stages.map((stage) => stage.id);
    const counts = await this.counts(workspaceId, stageIds, query);
    const where = whereLeadsMatch(new Conditions(workspaceId, stageIds).and('lead.workspace_id = $1 AND lead.stage_id = stage.id'), query, 'lead');
    // One index range scan per column (leads_column), in one round trip.
    const cards = await queryRows<LeadRow>(
      this.dataSource,
      `SELECT card.* FROM unnest($2::uuid[]) AS stage(id)
       CROSS JOIN LATERAL (
         SELECT ${leadColumns('lead')} FROM leads lead WHERE ${where}
         ORDER BY lead.position, lead.created_at, lead.id LIMIT ${where.param(query.limit + 1)}
       ) AS card`,
      where.params,
    );
    return {
      pipeline,
      columns: pipeline.stages.map((stage) =>
        toColumn(
          stage,
          counts.get(stage.id) ?? 0,
          cards.filter((card) => card.stage_id === stage.id),
          query.limit,
        ),
      ),
    };
  }

  async column(workspaceId: string, pipelineId: string, stageId: string, query: ColumnQuery): Promise<BoardColumn> {
    if (!(await findPipeline(this.dataSource, workspaceId, pipelineId))) throw notFound('Pipeline');
    const stage = (await stagesOf(this.dataSource, workspaceId, [pipelineId])).find((candidate) => candidate.id === stageId);
    if (!stage) throw notFound('Stage');
    const where = whereLeadsMatch(new Conditions(workspaceId, stageId).and('lead.workspace_id = $1 AND lead.stage_id = $2'), query, 'lead');
    if (query.cursor) {
      const { position, createdAt, id } = query.cursor;
      where.and(`(lead.position, lead.created_at, lead.id) > (${where.param(position)}::float8, ${where.param(createdAt)}::timestamptz, ${where.param(id)}::uuid)`);
    }
    const cards = await queryRows<LeadRow>(
      this.dataSource,
      `SELECT ${leadColumns('lead')} FROM leads lead WHERE ${where} ORDER BY lead.position, lead.created_at, lead.id LIMIT ${where.param(query.limit + 1)}`,
      where.params,
    );
    const counts = await this.counts(workspaceId, [stageId], query);
    return toColumn(toStageJson(stage), counts.get(stageId) ?? 0, cards, query.limit);
  }

  private async counts(workspaceId: string, stageIds: string[], filters: LeadFilters): Promise<Map<string, number>> {
    const where = whereLeadsMatch(new Conditions(workspaceId, stageIds).and('lead.workspace_id = $1 AND lead.stage_id = ANY($2::uuid[])'), filters, 'lead');
    const rows = await queryRows<{ stage_id: string; count: number }>(
      this.dataSource,
      `SELECT lead.stage_id, count(*)::int AS count FROM leads lead WHERE ${where} GROUP BY lead.stage_id`,
      where.params,
    );
    return new Map(rows.map((row) => [row.stage_id, row.count]));
  }
}

function toColumn(stage: StageJson, count: number, rows: readonly LeadRow[], limit: number): BoardColumn {
  const cards = rows.slice(0, limit);
  const last = cards.at(-1);
  return {
    stage,
    count,
    cards: cards.map(toLeadJson),
    nextCursor: rows.length > limit && last ? encodeCursor({ position: last.position, createdAt: last.created_at.toISOString(), id: last.id }) : null,
  };
}
