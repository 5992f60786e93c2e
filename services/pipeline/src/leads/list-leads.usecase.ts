import { encodeCursor } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { leadColumns, toLeadJson, type LeadJson, type LeadRow } from './lead.entity';
import { whereLeadsMatch } from './lead.repository';
import type { ListLeadsQuery } from './lead.schema';
import { Conditions, queryRows } from '@leads/persistence';

/** The workspace's leads, newest first, filtered; keyset pagination on (created_at, id). */
@Injectable()
export class ListLeads {
  constructor(private readonly dataSource: DataSource) {}

  async execute(workspaceId: string, query: ListLeadsQuery): Promise<{ items: LeadJson[]; nextCursor: string | null }> {
    const where = new Conditions(workspaceId).and('lead.workspace_id = $1');
    whereLeadsMatch(where, query, 'lead');
    if (query.pipelineId) where.and(`lead.pipeline_id = ${where.param(query.pipelineId)}`);
    if (query.stageId) where.and(`lead.stage_id = ${where.param(query.stageId)}`);
    if (query.cursor) {
      where.and(`(lead.created_at, lead.id) < (${where.param(query.cursor.createdAt)}::timestamptz, ${where.param(query.cursor.id)}::uuid)`);
    }
    const rows = await queryRows<LeadRow>(
      this.dataSource,
      `SELECT ${leadColumns('lead')} FROM leads lead WHERE ${where} ORDER BY lead.created_at DESC, lead.id DESC LIMIT ${where.param(query.limit + 1)}`,
      where.params,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toLeadJson),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at.toISOString(), id: last.id }) : null,
    };
  }
}
