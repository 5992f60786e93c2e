import { isUuid } from '@leads/service';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { endOfColumn } from '../moves/column-position.helper';
import { RecordMoves } from '../moves/record-moves.usecase';
import { SYSTEM_ACTOR } from '../moves/stage-history.entity';
import { EnsureDefaultPipeline } from '../pipelines/ensure-default-pipeline.usecase';
import { findPipeline, firstOpenStage } from '../pipelines/pipeline.repository';

/**
 * A new lead's first placement: the end of the first open stage of the pipeline its intake
 * named, when that is a pipeline of the workspace, else of the default pipeline. Recorded
 * like any move (from no stage, by the system).
 */
@Injectable()
export class PlaceLead {
  constructor(
    private readonly ensureDefaultPipeline: EnsureDefaultPipeline,
    private readonly recordMoves: RecordMoves,
  ) {}

  async execute(manager: EntityManager, workspaceId: string, leadId: string, pipelineId: string | undefined): Promise<void> {
    const named = pipelineId && isUuid(pipelineId) ? await findPipeline(manager, workspaceId, pipelineId, 'FOR KEY SHARE') : undefined;
    const stage = await firstOpenStage(manager, workspaceId, named?.id ?? (await this.ensureDefaultPipeline.execute(manager, workspaceId)));
    const [position] = await endOfColumn(manager, workspaceId, stage.id);
    await this.recordMoves.execute(manager, { workspaceId, actor: SYSTEM_ACTOR, channel: 'system' }, [{ leadId, from: null, to: stage, position }]);
  }
}
