import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { findDefaultPipeline, insertStages, type NewStage } from './pipeline.repository';
import { queryRows } from '@leads/persistence';

export const DEFAULT_PIPELINE_NAME = 'Default pipeline';

export const DEFAULT_STAGES: readonly NewStage[] = [
  { name: 'New', color: '#3b82f6', kind: 'open' }, // blue
  { name: 'Contacted', color: '#eab308', kind: 'open' }, // yellow
  { name: 'Qualified', color: '#8b5cf6', kind: 'open' }, // purple
  { name: 'Converted', color: '#22c55e', kind: 'win' }, // green
  { name: 'Closed', color: '#6b7280', kind: 'lost' }, // gray
];

/**
 * The workspace's default pipeline, created on first need: on `workspace.created`, or earlier
 * when a lead of the workspace arrives first (the topics are not ordered with each other).
 * Repeating it, or racing it from two consumers, creates one pipeline: the unique index on the
 * default pipeline decides.
 */
@Injectable()
export class EnsureDefaultPipeline {
  async execute(manager: EntityManager, workspaceId: string): Promise<string> {
    const id = randomUUID();
    const created = await queryRows<{ id: string }>(
      manager,
      `INSERT INTO pipelines (workspace_id, id, name, is_default) VALUES ($1, $2, $3, true)
       ON CONFLICT (workspace_id) WHERE is_default DO NOTHING RETURNING id`,
      [workspaceId, id, DEFAULT_PIPELINE_NAME],
    );
    if (created.length === 0) return (await findDefaultPipeline(manager, workspaceId))!.id;
    await insertStages(manager, workspaceId, id, DEFAULT_STAGES);
    return id;
  }
}
