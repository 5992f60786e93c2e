import { useCallback, useState, type DragEvent, type MouseEvent } from 'react';
import { ApiError, api } from '../api/client';
import type { Board, Lead, LeadFilters, Stage } from '../api/types';
import { usePipelines } from '../pipelines/use-pipelines';
import { leadName } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { navigate, useLocation, withQuery } from '../shared/router';
import { useQuery } from '../shared/use-query';
import { BoardColumn } from './board-column';
import { BoardFilters } from './board-filters';
import { planMove, range, type DropTarget } from './board-model';
import { BulkBar } from './bulk-bar';
import type { MoveChoice } from './move-menu';

/** The board refreshes itself this often while visible: cards show their analysis as it completes. */
const POLL_MS = 3000;
const PAGE = 25;
/** The most cards per column the board API gives at once. */
const MAX_LIMIT = 100;

function filtersFrom(query: URLSearchParams): LeadFilters {
  return {
    qualification: (query.get('qualification') as LeadFilters['qualification']) ?? undefined,
    source: (query.get('source') as LeadFilters['source']) ?? undefined,
    processingStatus: (query.get('status') as LeadFilters['processingStatus']) ?? undefined,
    q: query.get('q') ?? undefined,
  };
}

export function BoardPage() {
  const location = useLocation();
  const { pipelines, selected: pipeline, error: pipelinesError } = usePipelines(location.query.get('pipeline'));
  const filters = filtersFrom(location.query);
  const [limit, setLimit] = useState(PAGE);
  const [dragging, setDragging] = useState<Lead | null>(null);
  const [dropTarget, setDropTarget] = useState<DropTarget | null>(null);
  const [pending, setPending] = useState(0);
  /** The board as the user just changed it, shown until the next answer from the API replaces `base`. */
  const [optimistic, setOptimistic] = useState<{ base: Board; board: Board } | null>(null);
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [anchor, setAnchor] = useState<string | null>(null);
  const [focusLeadId, setFocusLeadId] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<ApiError>();

  const key = pipeline ? JSON.stringify([pipeline.id, filters, limit]) : null;
  const boardQuery = useQuery(key, () => api.pipelines.board(pipeline!.id, filters, limit), { pollMs: POLL_MS, paused: dragging !== null || pending > 0 });
  const board = optimistic && optimistic.base === boardQuery.data ? optimistic.board : boardQuery.data;
  const { reload } = boardQuery;

  const onFilters = useCallback(
    (changes: Partial<Record<keyof LeadFilters, string | undefined>>) => {
      const { processingStatus, ...rest } = changes;
      const renamed = 'processingStatus' in changes ? { ...rest, status: processingStatus } : rest;
      navigate(withQuery(location, renamed), { replace: true });
    },
    [location],
  );

  /** Runs a change against the API; on failure shows its problem details and the board as the server has it. */
  const perform = async (action: () => Promise<string>) => {
    setPending((count) => count + 1);
    setError(undefined);
    try {
      setMessage(await action());
    } catch (caught) {
      setError(caught as ApiError);
      setOptimistic(null);
    } finally {
      setPending((count) => count - 1);
      reload();
    }
  };

  const moveLead = (lead: Lead, target: DropTarget, via: 'drag' | 'keyboard') => {
    if (!board || !boardQuery.data) return;
    const plan = planMove(board, lead.id, target);
    if (!plan) return;
    const stage = board.columns.find((column) => column.stage.id === target.stageId)!.stage;
    setOptimistic({ base: boardQuery.data, board: plan.board });
    // The card moved with the keyboard keeps the focus through the refreshes that re-render it,
    // until the focus goes elsewhere.
    setFocusLeadId(via === 'keyboard' ? lead.id : null);
    void perform(async () => {
      await api.leads.move(lead.id, {
        ...(plan.changesStage ? { stageId: stage.id } : {}),
        ...(plan.beforeLeadId ? { beforeLeadId: plan.beforeLeadId } : {}),
        channel: 'kanban',
      });
      return plan.changesStage ? `Moved ${leadName(lead)} to ${stage.name}.` : `Moved ${leadName(lead)} in ${stage.name}.`;
    });
  };

  const bulkMove = (target: { stageId: string } | { pipelineId: string }, name: string) => {
    const leadIds = [...selection];
    void perform(async () => {
      const { results } = await api.leads.bulkMove({ leadIds, ...target });
      const moved = results.filter((result) => result.status === 'moved').length;
      const problems = results.filter((result) => result.status === 'not_found' || result.status === 'invalid');
      setSelection(new Set());
      return `Moved ${moved} of ${leadIds.length} leads to ${name}.${problems.length ? ` ${problems.length} could not be moved.` : ''}`;
    });
  };

  const retrySelected = () => {
    const leadIds = [...selection];
    void perform(async () => {
      const { requested } = await api.leads.retryMany(leadIds);
      setSelection(new Set());
      return `A new analysis was requested for ${requested} of ${leadIds.length} leads.`;
    });
  };

  if (pipelinesError) return <ProblemAlert error={pipelinesError} />;
  if (!pipeline) return <p className="loading">Loading the board…</p>;

  const columns = board?.columns ?? [];
  const stages = pipeline.stages;

  const keyboardTarget = (lead: Lead, direction: 'left' | 'right' | 'up' | 'down'): DropTarget | undefined => {
    const columnIndex = columns.findIndex((column) => column.stage.id === lead.stageId);
    const column = columns[columnIndex];
    if (!column) return undefined;
    const index = column.cards.findIndex((card) => card.id === lead.id);
    if (direction === 'left' || direction === 'right') {
      const next = columns[columnIndex + (direction === 'left' ? -1 : 1)];
      return next && { stageId: next.stage.id, index: next.cards.length };
    }
    return { stageId: column.stage.id, index: index + (direction === 'up' ? -1 : 1) };
  };

  const onKeyboardMove = (lead: Lead, direction: 'left' | 'right' | 'up' | 'down') => {
    const target = keyboardTarget(lead, direction);
    const column = columns.find((item) => item.stage.id === lead.stageId);
    // Down from the next-to-last place: the last card goes up instead (the API places a card before another one).
    if (target && column && direction === 'down' && target.index === column.cards.length - 1) {
      const last = column.cards[column.cards.length - 1];
      if (last.id !== lead.id) {
        moveLead(last, { stageId: column.stage.id, index: target.index - 1 }, 'keyboard');
        setFocusLeadId(lead.id);
        return;
      }
    }
    if (target && target.index >= 0) moveLead(lead, target, 'keyboard');
  };

  const moveChoicesFor = (lead: Lead): MoveChoice[] => {
    const choices: MoveChoice[] = stages
      .filter((stage) => stage.id !== lead.stageId)
      .map((stage) => ({ key: stage.id, label: `To ${stage.name}`, run: () => moveLead(lead, { stageId: stage.id, index: Number.MAX_SAFE_INTEGER }, 'keyboard') }));
    const column = columns.find((item) => item.stage.id === lead.stageId);
    const index = column?.cards.findIndex((card) => card.id === lead.id) ?? -1;
    if (index > 0) choices.push({ key: 'up', label: 'Up one place', run: () => onKeyboardMove(lead, 'up') });
    if (column && index >= 0 && index < column.cards.length - 1) choices.push({ key: 'down', label: 'Down one place', run: () => onKeyboardMove(lead, 'down') });
    return choices;
  };

  const onSelectCard = (lead: Lead, event: MouseEvent<HTMLInputElement>) => {
    const column = columns.find((item) => item.stage.id === lead.stageId);
    const checked = event.currentTarget.checked;
    const ids = event.shiftKey && anchor && column ? range(column.cards, anchor, lead.id) : [lead.id];
    setSelection((previous) => {
      const next = new Set(previous);
      for (const id of ids) {
        if (checked) next.add(id);
        else next.delete(id);
      }
      return next;
    });
    setAnchor(lead.id);
  };

  const onSelectColumn = (stage: Stage, selected: boolean) => {
    const ids = columns.find((column) => column.stage.id === stage.id)?.cards.map((card) => card.id) ?? [];
    setSelection((previous) => {
      const next = new Set(previous);
      for (const id of ids) {
        if (selected) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  };

  const onDragStart = (lead: Lead, event: DragEvent<HTMLElement>) => {
    event.dataTransfer.setData('text/plain', lead.id);
    event.dataTransfer.effectAllowed = 'move';
    setDragging(lead);
  };

  const onDrop = (target: DropTarget) => {
    const lead = dragging;
    setDragging(null);
    setDropTarget(null);
    if (!lead) return;
    // Dragging one of several selected cards moves the whole selection to that stage.
    if (selection.has(lead.id) && selection.size > 1) {
      const stage = stages.find((item) => item.id === target.stageId)!;
      bulkMove({ stageId: stage.id }, stage.name);
    } else {
      moveLead(lead, target, 'drag');
    }
  };

  return (
    <div className="board-page">
      <div className="page-head">
        <h1>Board</h1>
        <p className="hint" id="board-help">
          Drag cards between and within columns. Keyboard: Tab to a card, then Alt+←/→ moves it a stage, Alt+↑/↓ a place, or use its Move… menu.
          Shift-click checkboxes to select a range.
        </p>
      </div>
      <BoardFilters
        pipelines={pipelines}
        pipelineId={pipeline.id}
        filters={filters}
        onPipeline={(pipelineId) => {
          setSelection(new Set());
          navigate(withQuery(location, { pipeline: pipelineId }));
        }}
        onFilters={onFilters}
      />
      {selection.size > 0 && (
        <BulkBar
          count={selection.size}
          pipeline={pipeline}
          pipelines={pipelines}
          busy={pending > 0}
          onMoveToStage={(stageId) => bulkMove({ stageId }, stages.find((stage) => stage.id === stageId)?.name ?? 'the stage')}
          onMoveToPipeline={(pipelineId) => bulkMove({ pipelineId }, pipelines.find((item) => item.id === pipelineId)?.name ?? 'the pipeline')}
          onRetry={retrySelected}
          onClear={() => setSelection(new Set())}
        />
      )}
      <ProblemAlert error={error ?? boardQuery.error} onDismiss={error ? () => setError(undefined) : undefined} />
      <p role="status" className="board-message">
        {message}
      </p>
      {!board ? (
        <p className="loading">Loading the board…</p>
      ) : (
        <div className="board" aria-describedby="board-help">
          {columns.map((column) => (
            <BoardColumn
              key={column.stage.id}
              column={column}
              selection={selection}
              draggingId={dragging?.id ?? null}
              dropTarget={dropTarget}
              focusLeadId={focusLeadId}
              onFocusLeft={() => setFocusLeadId(null)}
              moveChoicesFor={moveChoicesFor}
              onSelectCard={onSelectCard}
              onSelectColumn={onSelectColumn}
              onDragStart={onDragStart}
              onDragEnd={() => {
                setDragging(null);
                setDropTarget(null);
              }}
              onDragOver={setDropTarget}
              onDrop={onDrop}
              onKeyboardMove={onKeyboardMove}
              onShowMore={limit < MAX_LIMIT ? () => setLimit((value) => Math.min(MAX_LIMIT, value + PAGE)) : undefined}
            />
          ))}
        </div>
      )}
    </div>
  );
}
