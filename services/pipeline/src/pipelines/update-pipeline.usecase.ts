import { randomUUID } from 'node:crypto';
import { ProblemException, invalidRequest, notFound, type FieldError, type RequestScope } from '@leads/service';
import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { endOfColumn } from '../moves/column-position.helper';
import { RecordMoves, type Move } from '../moves/record-moves.usecase';
import { staleVersion } from '../shared/problems.helper';
import type { PipelineJson, StageRow } from './pipeline.entity';
import { findPipeline, insertStages, loadPipeline, stagesOf } from './pipeline.repository';
import type { UpdatePipelineBody } from './pipeline.schema';
import { queryRows } from '@leads/persistence';

type StageList = NonNullable<UpdatePipelineBody['stages']>;

/**
 * Renames a pipeline and edits its stages: the given list is the whole new order. Kept stages
 * (with an id) are renamed, recoloured, re-kinded and reordered; stages without an id are added;
 * left-out stages are deleted, and their leads moved first to the stage `moveLeadsTo` names
 * (recorded as one bulk move). A left-out stage with leads and no target is refused.
 */
@Injectable()
export class UpdatePipeline {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordMoves: RecordMoves,
  ) {}

  execute(scope: RequestScope, pipelineId: string, body: UpdatePipelineBody): Promise<PipelineJson> {
    const workspaceId = scope.workspaceId;
    return this.dataSource.transaction(async (manager) => {
      const pipeline = await findPipeline(manager, workspaceId, pipelineId, 'FOR UPDATE');
      if (!pipeline) throw notFound('Pipeline');
      if (body.version !== undefined && body.version !== pipeline.version) throw staleVersion('pipeline', pipeline.version);
      if (body.moveLeadsTo && !body.stages) throw invalidRequest([{ field: 'moveLeadsTo', reason: 'only applies together with stages' }]);
      if (body.name === undefined && !body.stages) return (await loadPipeline(manager, workspaceId, pipelineId))!;
      if (body.stages) {
        const moveLeadsTo = Object.fromEntries(Object.entries(body.moveLeadsTo ?? {}).map(([from, to]) => [from.toLowerCase(), to]));
        await this.replaceStages(manager, scope, pipelineId, body.stages, moveLeadsTo);
      }
      await manager.query(
        `UPDATE pipelines SET name = coalesce($3, name), version = version + 1, updated_at = now() WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, pipelineId, body.name ?? null],
      );
      return (await loadPipeline(manager, workspaceId, pipelineId))!;
    });
  }

  private async replaceStages(manager: EntityManager, scope: RequestScope, pipelineId: string, stages: StageList, moveLeadsTo: Record<string, string>) {
    const workspaceId = scope.workspaceId;
    // Locked first: no lead can enter a stage that is about to be deleted.
    const current = await stagesOf(manager, workspaceId, [pipelineId], 'FOR UPDATE');
    const currentById = new Map(current.map((stage) => [stage.id, stage]));
    const keptIds = new Set<string>();
    const errors: FieldError[] = [];
    stages.forEach((stage, index) => {
      if (stage.id === undefined) return;
      if (!currentById.has(stage.id)) errors.push({ field: `stages.${index}.id`, reason: 'is not a stage of this pipeline' });
      else if (keptIds.has(stage.id)) errors.push({ field: `stages.${index}.id`, reason: 'appears twice in the list' });
      keptIds.add(stage.id);
    });
    const removed = current.filter((stage) => !keptIds.has(stage.id));
    const removedIds = new Set(removed.map((stage) => stage.id));
    for (const [from, to] of Object.entries(moveLeadsTo)) {
      if (!removedIds.has(from)) errors.push({ field: `moveLeadsTo.${from}`, reason: 'is not a stage this request removes' });
      else if (!keptIds.has(to) || !currentById.has(to)) errors.push({ field: `moveLeadsTo.${from}`, reason: 'must be a stage this request keeps' });
    }
    if (errors.length) throw invalidRequest(errors);

    const occupied = await queryRows<{ stage_id: string; leads: number }>(
      manager,
      `SELECT stage_id, count(*)::int AS leads FROM leads WHERE workspace_id = $1 AND stage_id = ANY($2::uuid[]) GROUP BY stage_id`,
      [workspaceId, [...removedIds]],
    );
    const stranded = occupied.filter((stage) => !moveLeadsTo[stage.stage_id]);
    if (stranded.length) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'stage-not-empty',
        'A stage you removed still has leads: say where they go with moveLeadsTo.',
        stranded.map((stage) => ({
          field: `moveLeadsTo.${stage.stage_id}`,
          reason: `stage "${currentById.get(stage.stage_id)!.name}" has ${stage.leads} lead(s): give the kept stage they move to`,
        })),
      );
    }

    await manager.query(
      `UPDATE stages SET name = stage.name, color = stage.color, kind = stage.kind, position = stage.position
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[]) AS stage(id, name, color, kind, position)
       WHERE stages.workspace_id = $1 AND stages.id = stage.id`,
      [
        workspaceId,
        ...columns(
          stages.flatMap((stage, position) => (stage.id ? [{ ...stage, id: stage.id, position }] : [])),
          ['id', 'name', 'color', 'kind', 'position'],
        ),
      ],
    );
    await insertStages(
      manager,
      workspaceId,
      pipelineId,
      stages.flatMap((stage, position) => (stage.id ? [] : [{ ...stage, id: randomUUID(), position }])),
    );
    const updated = new Map((await stagesOf(manager, workspaceId, [pipelineId])).map((stage) => [stage.id, stage]));
    await this.moveOut(
      manager,
      scope,
      occupied.map(({ stage_id }) => ({ from: currentById.get(stage_id)!, to: updated.get(moveLeadsTo[stage_id])! })),
    );
    await manager.query(`DELETE FROM stages WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [workspaceId, [...removedIds]]);
  }

  /** Moves the leads of removed stages to the end of their targets, in Kanban order, as one bulk move. */
  private async moveOut(manager: EntityManager, scope: RequestScope, routes: readonly { from: StageRow; to: StageRow }[]) {
    const workspaceId = scope.workspaceId;
    const moves: Move[] = [];
    for (const { from, to } of routes) {
      const leads = await queryRows<{ id: string }>(
        manager,
        `SELECT id FROM leads WHERE workspace_id = $1 AND stage_id = $2 ORDER BY position, created_at, id FOR UPDATE`,
        [workspaceId, from.id],
      );
      const positions = await endOfColumn(manager, workspaceId, to.id, leads.length);
      // After the leads this request already sends to the same stage (recorded below, all at once).
      const ahead = moves.filter((move) => move.to.id === to.id).length;
      leads.forEach((lead, index) => moves.push({ leadId: lead.id, from, to, position: positions[index] + ahead }));
    }
    await this.recordMoves.execute(manager, { workspaceId, actor: scope.actor, channel: 'bulk', bulkMoveId: randomUUID() }, moves);
  }
}

/** Column arrays for `unnest`, in the order of `keys`. */
function columns<Row, Key extends keyof Row>(rows: readonly Row[], keys: readonly Key[]): unknown[][] {
  return keys.map((key) => rows.map((row) => row[key]));
}
