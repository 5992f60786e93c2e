import { randomUUID } from 'node:crypto';
import { toPipelineJson, type PipelineJson, type PipelineRow, type StageRow } from './pipeline.entity';
import { queryRows, type Queryable } from '@leads/persistence';

// Every query is scoped by workspace_id, the first column of every key.

const PIPELINE = `id, name, is_default, version, created_at, updated_at`;
const STAGE = `id, pipeline_id, name, color, kind, position`;

type RowLock = '' | 'FOR UPDATE' | 'FOR KEY SHARE';

export async function findPipeline(db: Queryable, workspaceId: string, pipelineId: string, lock: RowLock = ''): Promise<PipelineRow | undefined> {
  const [pipeline] = await queryRows<PipelineRow>(db, `SELECT ${PIPELINE} FROM pipelines WHERE workspace_id = $1 AND id = $2 ${lock}`, [
    workspaceId,
    pipelineId,
  ]);
  return pipeline;
}

export async function findDefaultPipeline(db: Queryable, workspaceId: string): Promise<PipelineRow | undefined> {
  const [pipeline] = await queryRows<PipelineRow>(db, `SELECT ${PIPELINE} FROM pipelines WHERE workspace_id = $1 AND is_default`, [workspaceId]);
  return pipeline;
}

/** The stages of some pipelines, in order. */
export function stagesOf(db: Queryable, workspaceId: string, pipelineIds: readonly string[], lock: RowLock = ''): Promise<StageRow[]> {
  return queryRows<StageRow>(
    db,
    `SELECT ${STAGE} FROM stages WHERE workspace_id = $1 AND pipeline_id = ANY($2::uuid[]) ORDER BY pipeline_id, position ${lock}`,
    [workspaceId, pipelineIds],
  );
}

/** A stage; `FOR KEY SHARE` by default, so that it cannot be deleted while a lead is moved into it. */
export async function findStage(db: Queryable, workspaceId: string, stageId: string, lock: RowLock = 'FOR KEY SHARE'): Promise<StageRow | undefined> {
  const [stage] = await queryRows<StageRow>(db, `SELECT ${STAGE} FROM stages WHERE workspace_id = $1 AND id = $2 ${lock}`, [workspaceId, stageId]);
  return stage;
}

/** Where leads enter a pipeline: its first open stage. */
export async function firstOpenStage(db: Queryable, workspaceId: string, pipelineId: string): Promise<StageRow> {
  const [stage] = await queryRows<StageRow>(
    db,
    `SELECT ${STAGE} FROM stages WHERE workspace_id = $1 AND pipeline_id = $2 AND kind = 'open' ORDER BY position LIMIT 1 FOR KEY SHARE`,
    [workspaceId, pipelineId],
  );
  if (!stage) throw new Error(`pipeline ${pipelineId} has no open stage`);
  return stage;
}

export async function loadPipeline(db: Queryable, workspaceId: string, pipelineId: string): Promise<PipelineJson | undefined> {
  const pipeline = await findPipeline(db, workspaceId, pipelineId);
  return pipeline && toPipelineJson(pipeline, await stagesOf(db, workspaceId, [pipeline.id]));
}

/** The workspace's pipelines, the default one first. */
export async function loadPipelines(db: Queryable, workspaceId: string): Promise<PipelineJson[]> {
  const pipelines = await queryRows<PipelineRow>(
    db,
    `SELECT ${PIPELINE} FROM pipelines WHERE workspace_id = $1 ORDER BY is_default DESC, created_at, id`,
    [workspaceId],
  );
  const stages = await stagesOf(
    db,
    workspaceId,
    pipelines.map((pipeline) => pipeline.id),
  );
  return pipelines.map((pipeline) => toPipelineJson(pipeline, stages));
}

export interface NewStage {
  readonly id?: string;
  readonly name: string;
  readonly color: string;
  readonly kind: StageRow['kind'];
}

/** Inserts stages at the given positions (default: their order in the list). */
export async function insertStages(db: Queryable, workspaceId: string, pipelineId: string, stages: readonly (NewStage & { position?: number })[]): Promise<void> {
  if (stages.length === 0) return;
  await db.query(
    `INSERT INTO stages (workspace_id, pipeline_id, id, name, color, kind, position)
     SELECT $1, $2, stage.* FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[]) AS stage`,
    [
      workspaceId,
      pipelineId,
      stages.map((stage) => stage.id ?? randomUUID()),
      stages.map((stage) => stage.name),
      stages.map((stage) => stage.color),
      stages.map((stage) => stage.kind),
      stages.map((stage, index) => stage.position ?? index),
    ],
  );
}
