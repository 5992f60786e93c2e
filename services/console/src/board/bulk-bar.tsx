import { useState } from 'react';
import type { Pipeline } from '../api/types';

export interface BulkBarProps {
  count: number;
  pipeline: Pipeline;
  pipelines: Pipeline[];
  busy: boolean;
  onMoveToStage(stageId: string): void;
  onMoveToPipeline(pipelineId: string): void;
  onRetry(): void;
  onClear(): void;
}

/** What to do with the selected cards: move them to a stage or another pipeline, or retry their analysis. */
export function BulkBar({ count, pipeline, pipelines, busy, onMoveToStage, onMoveToPipeline, onRetry, onClear }: BulkBarProps) {
  const [stageId, setStageId] = useState(pipeline.stages[0]?.id ?? '');
  const otherPipelines = pipelines.filter((item) => item.id !== pipeline.id);
  const [pipelineId, setPipelineId] = useState(otherPipelines[0]?.id ?? '');
  const targetStage = pipeline.stages.some((stage) => stage.id === stageId) ? stageId : (pipeline.stages[0]?.id ?? '');
  const targetPipeline = otherPipelines.some((item) => item.id === pipelineId) ? pipelineId : (otherPipelines[0]?.id ?? '');
  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <strong>{count} selected</strong>
      <label>
        Stage
        <select value={targetStage} onChange={(event) => setStageId(event.target.value)}>
          {pipeline.stages.map((stage) => (
            <option key={stage.id} value={stage.id}>
              {stage.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={busy} onClick={() => onMoveToStage(targetStage)}>
        Move to stage
      </button>
      {otherPipelines.length > 0 && (
        <>
          <label>
            Pipeline
            <select value={targetPipeline} onChange={(event) => setPipelineId(event.target.value)}>
              {otherPipelines.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={busy} onClick={() => onMoveToPipeline(targetPipeline)}>
            Move to pipeline
          </button>
        </>
      )}
      <button type="button" className="secondary" disabled={busy} onClick={onRetry}>
        Retry analysis
      </button>
      <button type="button" className="link-button" onClick={onClear}>
        Clear selection
      </button>
    </div>
  );
}
