import { useEffect, useRef, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import type { Lead } from '../api/types';
import { QualificationBadge, StatusBadge } from '../shared/badges';
import { leadName } from '../shared/format';
import { Link } from '../shared/router';
import { MoveMenu, type MoveChoice } from './move-menu';

export interface LeadCardProps {
  lead: Lead;
  selected: boolean;
  dragging: boolean;
  /** Takes the focus once mounted (the card the keyboard just moved, wherever a refresh re-renders it). */
  focus: boolean;
  /** The focus went from this card to another element. */
  onFocusLeft(): void;
  moveChoices: MoveChoice[];
  onSelect(event: MouseEvent<HTMLInputElement>): void;
  onDragStart(event: DragEvent<HTMLElement>): void;
  onDragEnd(): void;
  /** Alt+arrow keys: ←/→ a stage back or forward, ↑/↓ a place up or down. */
  onKeyboardMove(direction: 'left' | 'right' | 'up' | 'down'): void;
}

const ARROWS: Record<string, 'left' | 'right' | 'up' | 'down'> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

export function LeadCard({ lead, selected, dragging, focus, onFocusLeft, moveChoices, onSelect, onDragStart, onDragEnd, onKeyboardMove }: LeadCardProps) {
  const link = useRef<HTMLAnchorElement>(null);
  const name = leadName(lead);
  const company = lead.companyName ?? lead.enrichment?.company?.name ?? null;

  useEffect(() => {
    if (focus) link.current?.focus();
  }, [focus]);

  const onKeyDown = (event: KeyboardEvent) => {
    const direction = ARROWS[event.key];
    if (!direction || !event.altKey) return;
    event.preventDefault();
    onKeyboardMove(direction);
  };

  const classes = ['lead-card', lead.processingStatus === 'failed' && 'lead-card-failed', selected && 'lead-card-selected', dragging && 'lead-card-dragging'];
  return (
    <li
      className={classes.filter(Boolean).join(' ')}
      data-lead-id={lead.id}
      draggable
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onKeyDown={onKeyDown}
      aria-label={name}
    >
      <div className="lead-card-top">
        <input type="checkbox" checked={selected} onClick={onSelect} onChange={() => undefined} aria-label={`Select ${name}`} />
        <Link
          ref={link}
          to={`/leads/${lead.id}`}
          className="lead-card-name"
          draggable={false}
          // A card re-rendered in another column loses the focus with no element to go to: it keeps its claim.
          onBlur={(event) => event.relatedTarget && onFocusLeft()}
        >
          {name}
        </Link>
        {lead.score !== null && (
          <span className="score" title="Score (0-100)" aria-label={`Score ${lead.score}`}>
            {lead.score}
          </span>
        )}
      </div>
      {company && <div className="lead-card-company">{company}</div>}
      <div className="lead-card-bottom">
        <QualificationBadge qualification={lead.qualification} />
        <StatusBadge lead={lead} />
        <MoveMenu label={`Move ${name}`} choices={moveChoices} />
      </div>
    </li>
  );
}
