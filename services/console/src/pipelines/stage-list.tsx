import { useState, type DragEvent } from 'react';
import type { StageInput, StageKind } from '../api/types';

/** A stage being edited; `key` tells rows apart before a new stage has an id. */
export interface EditedStage extends StageInput {
  key: string;
}

const PALETTE = ['#3b82f6', '#eab308', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#22c55e', '#6b7280'];
let counter = 0;

export function newStage(name: string, color = PALETTE[counter % PALETTE.length], kind: StageKind = 'open'): EditedStage {
  counter += 1;
  return { key: `new-${counter}`, name, color, kind };
}

/**
 * Makes `index` the pipeline's win (or lost) stage. There is always exactly one of each: the stage
 * that had the role becomes open, or takes the other role when the two stages swap.
 */
export function withKind(stages: EditedStage[], index: number, kind: 'win' | 'lost'): EditedStage[] {
  const other = kind === 'win' ? 'lost' : 'win';
  const previousKind = stages[index].kind;
  return stages.map((stage, at) => {
    if (at === index) return { ...stage, kind };
    if (stage.kind === kind) return { ...stage, kind: previousKind === other ? other : 'open' };
    return stage;
  });
}

function moved<T>(items: T[], from: number, to: number): T[] {
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

export interface StageListProps {
  stages: EditedStage[];
  onChange(stages: EditedStage[]): void;
  onRemove(stage: EditedStage): void;
}

/** The ordered stages: name, colour, win/lost radios; drag (or the arrow buttons) to reorder. */
export function StageList({ stages, onChange, onRemove }: StageListProps) {
  const [dragging, setDragging] = useState<number | null>(null);
  const openCount = stages.filter((stage) => stage.kind === 'open').length;
  const update = (index: number, changes: Partial<EditedStage>) => onChange(stages.map((stage, at) => (at === index ? { ...stage, ...changes } : stage)));
  const onDragOver = (index: number, event: DragEvent) => {
    if (dragging === null) return;
    event.preventDefault();
    if (index !== dragging) {
      onChange(moved(stages, dragging, index));
      setDragging(index);
    }
  };
  return (
    <table className="stage-table">
      <caption className="sr-only">Stages, in board order</caption>
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">Drag to reorder</span>
          </th>
          <th scope="col">Name</th>
          <th scope="col">Colour</th>
          <th scope="col">Win</th>
          <th scope="col">Lost</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {stages.map((stage, index) => {
          const label = stage.name || `stage ${index + 1}`;
          const removable = stage.kind === 'open' && openCount > 1;
          return (
            <tr
              key={stage.key}
              draggable
              onDragStart={(event) => {
                event.dataTransfer.setData('text/plain', stage.key);
                event.dataTransfer.effectAllowed = 'move';
                setDragging(index);
              }}
              onDragOver={(event) => onDragOver(index, event)}
              onDrop={(event) => event.preventDefault()}
              onDragEnd={() => setDragging(null)}
              className={dragging === index ? 'dragging' : undefined}
              data-stage-row={stage.name}
            >
              <td className="drag-handle" aria-hidden="true" title="Drag to reorder">
                ⋮⋮
              </td>
              <td>
                <input aria-label={`Name of ${label}`} value={stage.name} required maxLength={100} onChange={(event) => update(index, { name: event.target.value })} />
              </td>
              <td>
                <input type="color" aria-label={`Colour of ${label}`} value={stage.color} onChange={(event) => update(index, { color: event.target.value })} />
              </td>
              <td>
                <input type="radio" name="win-stage" aria-label={`${label} is the Win stage`} checked={stage.kind === 'win'} onChange={() => onChange(withKind(stages, index, 'win'))} />
              </td>
              <td>
                <input type="radio" name="lost-stage" aria-label={`${label} is the Lost stage`} checked={stage.kind === 'lost'} onChange={() => onChange(withKind(stages, index, 'lost'))} />
              </td>
              <td>
                <div className="row-actions">
                  <button type="button" className="secondary small" aria-label={`Move ${label} up`} disabled={index === 0} onClick={() => onChange(moved(stages, index, index - 1))}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Move ${label} down`}
                    disabled={index === stages.length - 1}
                    onClick={() => onChange(moved(stages, index, index + 1))}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Remove ${label}`}
                    disabled={!removable}
                    title={removable ? undefined : 'A pipeline keeps its Win and Lost stages and at least one open stage'}
                    onClick={() => onRemove(stage)}
                  >
                    Remove
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
