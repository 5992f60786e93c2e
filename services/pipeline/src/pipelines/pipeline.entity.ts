export const STAGE_KINDS = ['open', 'win', 'lost'] as const;
export type StageKindName = (typeof STAGE_KINDS)[number];

/** A row of `stages`. */
export interface StageRow {
  readonly id: string;
  readonly pipeline_id: string;
  readonly name: string;
  readonly color: string;
  readonly kind: StageKindName;
  readonly position: number;
}

/** A row of `pipelines`. */
export interface PipelineRow {
  readonly id: string;
  readonly name: string;
  readonly is_default: boolean;
  readonly version: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface StageJson {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly kind: StageKindName;
  readonly position: number;
}

export interface PipelineJson {
  readonly id: string;
  readonly name: string;
  readonly isDefault: boolean;
  readonly version: number;
  readonly stages: StageJson[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toStageJson(stage: StageJson | StageRow): StageJson {
  return { id: stage.id, name: stage.name, color: stage.color, kind: stage.kind, position: stage.position };
}

export function toPipelineJson(pipeline: PipelineRow, stages: readonly StageRow[]): PipelineJson {
  return {
    id: pipeline.id,
    name: pipeline.name,
    isDefault: pipeline.is_default,
    version: pipeline.version,
    stages: stages.filter((stage) => stage.pipeline_id === pipeline.id).map(toStageJson),
    createdAt: pipeline.created_at.toISOString(),
    updatedAt: pipeline.updated_at.toISOString(),
  };
}
