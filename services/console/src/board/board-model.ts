import type { Board, Lead } from '../api/types';

/** Where a card is dropped: the column and the index among the other cards of that column. */
export interface DropTarget {
  stageId: string;
  index: number;
}

export interface PlannedMove {
  board: Board;
  /** The card the lead goes before in its new column; undefined: the end. */
  beforeLeadId: string | undefined;
  changesStage: boolean;
}

/**
 * The board after moving a card, and what to ask the API for; undefined when nothing would
 * change. The API cannot yet place a card at the end of its own column (`beforeLeadId: null` is
 * refused by the gateway), so that reorder is not offered.
 */
export function planMove(board: Board, leadId: string, target: DropTarget): PlannedMove | undefined {
  const from = board.columns.find((column) => column.cards.some((card) => card.id === leadId));
  const to = board.columns.find((column) => column.stage.id === target.stageId);
  if (!from || !to) return undefined;
  const lead = from.cards.find((card) => card.id === leadId) as Lead;
  const others = to.cards.filter((card) => card.id !== leadId);
  const index = Math.max(0, Math.min(target.index, others.length));
  const beforeLeadId = others[index]?.id;
  const changesStage = from.stage.id !== to.stage.id;
  if (!changesStage) {
    const currentIndex = from.cards.findIndex((card) => card.id === leadId);
    if (currentIndex === index || beforeLeadId === undefined) return undefined;
  }
  const moved = { ...lead, stageId: to.stage.id };
  const columns = board.columns.map((column) => {
    if (column === from && column === to) return { ...column, cards: [...others.slice(0, index), moved, ...others.slice(index)] };
    if (column === from) return { ...column, count: column.count - 1, cards: column.cards.filter((card) => card.id !== leadId) };
    if (column === to) return { ...column, count: column.count + 1, cards: [...others.slice(0, index), moved, ...others.slice(index)] };
    return column;
  });
  return { board: { ...board, columns }, beforeLeadId, changesStage };
}

/** The ids from one card to another in a column, both included (shift-click selection). */
export function range(cards: Lead[], fromId: string, toId: string): string[] {
  const a = cards.findIndex((card) => card.id === fromId);
  const b = cards.findIndex((card) => card.id === toId);
  if (a < 0 || b < 0) return [toId];
  return cards.slice(Math.min(a, b), Math.max(a, b) + 1).map((card) => card.id);
}
