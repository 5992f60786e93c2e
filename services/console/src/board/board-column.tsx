import { useEffect, useRef, type DragEvent, type MouseEvent } from 'react';
import type { BoardColumn as Column, Lead, Stage } from '../api/types';
import type { DropTarget } from './board-model';
import { LeadCard } from './lead-card';
import type { MoveChoice } from './move-menu';

export interface BoardColumnProps {
  column: Column;
  selection: ReadonlySet<string>;
  draggingId: string | null;
  dropTarget: DropTarget | null;
  focusLeadId: string | null;
  onFocusLeft(): void;
  moveChoicesFor(lead: Lead): MoveChoice[];
  onSelectCard(lead: Lead, event: MouseEvent<HTMLInputElement>): void;
  onSelectColumn(stage: Stage, selected: boolean): void;
  onDragStart(lead: Lead, event: DragEvent<HTMLElement>): void;
  onDragEnd(): void;
  onDragOver(target: DropTarget | null): void;
  onDrop(target: DropTarget): void;
  onKeyboardMove(lead: Lead, direction: 'left' | 'right' | 'up' | 'down'): void;
  /** Shows more cards per column; undefined when the API gives no more at once. */
  onShowMore?: () => void;
}

/** The index a card dropped at this height goes to, among the column's cards other than the one dragged. */
function dropIndex(list: HTMLElement, clientY: number, draggingId: string | null): number {
  const cards = [...list.querySelectorAll<HTMLElement>('[data-lead-id]')].filter((card) => card.dataset.leadId !== draggingId);
  const index = cards.findIndex((card) => {
    const box = card.getBoundingClientRect();
    return clientY < box.top + box.height / 2;
  });
  return index < 0 ? cards.length : index;
}

export function BoardColumn(props: BoardColumnProps) {
  const { column, selection, draggingId, dropTarget } = props;
  const { stage } = column;
  const selectAll = useRef<HTMLInputElement>(null);
  const selectedHere = column.cards.filter((card) => selection.has(card.id)).length;
  const allSelected = column.cards.length > 0 && selectedHere === column.cards.length;

  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = selectedHere > 0 && !allSelected;
  }, [selectedHere, allSelected]);

  const onDragOver = (event: DragEvent<HTMLOListElement>) => {
    if (!draggingId) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    const index = dropIndex(event.currentTarget, event.clientY, draggingId);
    if (dropTarget?.stageId !== stage.id || dropTarget.index !== index) props.onDragOver({ stageId: stage.id, index });
  };
  const onDragLeave = (event: DragEvent<HTMLOListElement>) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null) && dropTarget?.stageId === stage.id) props.onDragOver(null);
  };
  const onDrop = (event: DragEvent<HTMLOListElement>) => {
    if (!draggingId) return;
    event.preventDefault();
    props.onDrop({ stageId: stage.id, index: dropIndex(event.currentTarget, event.clientY, draggingId) });
  };

  const others = column.cards.filter((card) => card.id !== draggingId);
  const indicatorAt = dropTarget?.stageId === stage.id ? dropTarget.index : -1;
  const headingId = `stage-${stage.id}`;
  return (
    <section className="board-column" aria-labelledby={headingId} data-stage-id={stage.id} style={{ borderTopColor: stage.color }}>
      <header className="board-column-head">
        <span className="stage-dot" style={{ background: stage.color }} aria-hidden="true" />
        <h2 id={headingId}>{stage.name}</h2>
        {stage.kind !== 'open' && <span className="stage-kind">{stage.kind === 'win' ? 'Win' : 'Lost'}</span>}
        <span className="count" aria-label={`${column.count} leads`} data-testid="column-count">
          {column.count}
        </span>
        <input
          ref={selectAll}
          type="checkbox"
          checked={allSelected}
          disabled={column.cards.length === 0}
          onChange={(event) => props.onSelectColumn(stage, event.target.checked)}
          aria-label={`Select all in ${stage.name}`}
        />
      </header>
      <ol
        className={`board-cards${dropTarget?.stageId === stage.id ? ' board-cards-target' : ''}`}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
        aria-label={`${stage.name} leads`}
      >
        {column.cards.map((lead) => {
          const position = others.indexOf(lead);
          return [
            indicatorAt >= 0 && position === indicatorAt && <li key={`drop-${lead.id}`} className="drop-indicator" aria-hidden="true" />,
            <LeadCard
              key={lead.id}
              lead={lead}
              selected={selection.has(lead.id)}
              dragging={lead.id === draggingId}
              focus={lead.id === props.focusLeadId}
              onFocusLeft={props.onFocusLeft}
              moveChoices={props.moveChoicesFor(lead)}
              onSelect={(event) => props.onSelectCard(lead, event)}
              onDragStart={(event) => props.onDragStart(lead, event)}
              onDragEnd={props.onDragEnd}
              onKeyboardMove={(direction) => props.onKeyboardMove(lead, direction)}
            />,
          ];
        })}
        {indicatorAt === others.length && <li className="drop-indicator" aria-hidden="true" />}
        {column.cards.length === 0 && <li className="empty-column">No leads</li>}
      </ol>
      {column.cards.length < column.count && (
        <p className="column-more">
          Showing {column.cards.length} of {column.count}
          {props.onShowMore ? (
            <button type="button" className="link-button" onClick={props.onShowMore}>
              Show more
            </button>
          ) : (
            ' (narrow it with the filters)'
          )}
        </p>
      )}
    </section>
  );
}
