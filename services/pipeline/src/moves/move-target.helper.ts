import type { StageRow } from '../pipelines/pipeline.entity';
import { findPipeline, findStage, firstOpenStage } from '../pipelines/pipeline.repository';
import { invalidField } from '../shared/request.schema';
import { type Queryable } from '@leads/persistence';

/** Where a move request points: a stage, or only a pipeline (its first open stage). */
export interface MoveTarget {
  readonly stage: StageRow;
  readonly pipelineOnly: boolean;
}

/** Resolves `stageId` / `pipelineId` of a request within the workspace; unknown ids are 400s naming the field. */
export async function resolveMoveTarget(db: Queryable, workspaceId: string, request: { stageId?: string; pipelineId?: string }): Promise<MoveTarget | null> {
  if (request.stageId) {
    const stage = await findStage(db, workspaceId, request.stageId);
    if (!stage) throw invalidField('stageId', 'is not a stage of this workspace');
    if (request.pipelineId && stage.pipeline_id !== request.pipelineId) throw invalidField('stageId', 'is not a stage of the pipeline pipelineId');
    return { stage, pipelineOnly: false };
  }
  if (request.pipelineId) {
    if (!(await findPipeline(db, workspaceId, request.pipelineId, 'FOR KEY SHARE'))) {
      throw invalidField('pipelineId', 'is not a pipeline of this workspace');
    }
    return { stage: await firstOpenStage(db, workspaceId, request.pipelineId), pipelineOnly: true };
  }
  return null;
}

/** The stage a lead now in `current` moves to: naming only its own pipeline leaves it where it is. */
export function destinationOf(current: StageRow | null, target: MoveTarget): StageRow {
  return target.pipelineOnly && current?.pipeline_id === target.stage.pipeline_id ? current : target.stage;
}
