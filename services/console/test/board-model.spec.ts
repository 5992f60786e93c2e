import type { Board, Lead, Stage } from '../src/api/types';
import { planMove, range } from '../src/board/board-model';

const stage = (id: string): Stage => ({ id, name: id.toUpperCase(), color: '#3b82f6', kind: 'open', position: 0 });
const lead = (id: string, stageId: string) => ({ id, stageId }) as Lead;
const board = (columns: Record<string, string[]>): Board =>
  ({
    pipeline: {} as Board['pipeline'],
    columns: Object.entries(columns).map(([stageId, ids]) => ({ stage: stage(stageId), count: ids.length, cards: ids.map((id) => lead(id, stageId)), nextCursor: null })),
  }) as Board;
const ids = (planned: Board | undefined) => Object.fromEntries((planned?.columns ?? []).map((column) => [column.stage.id, column.cards.map((card) => card.id)]));

describe('board moves', () => {
  const start = board({ a: ['1', '2', '3'], b: ['4'] });

  it('moves a card to another column before the card at the drop index, counts included', () => {
    const plan = planMove(start, '2', { stageId: 'b', index: 0 });
    expect(plan).toMatchObject({ beforeLeadId: '4', changesStage: true });
    expect(ids(plan?.board)).toEqual({ a: ['1', '3'], b: ['2', '4'] });
    expect(plan?.board.columns.map((column) => column.count)).toEqual([2, 2]);
    expect(plan?.board.columns[1].cards[0].stageId).toBe('b');
  });

  it('moves a card to the end of another column without a card to go before', () => {
    const plan = planMove(start, '1', { stageId: 'b', index: 99 });
    expect(plan).toMatchObject({ beforeLeadId: undefined, changesStage: true });
    expect(ids(plan?.board)).toEqual({ a: ['2', '3'], b: ['4', '1'] });
  });

  it('reorders within a column, and offers nothing that would not change or that the API cannot place', () => {
    const plan = planMove(start, '3', { stageId: 'a', index: 0 });
    expect(plan).toMatchObject({ beforeLeadId: '1', changesStage: false });
    expect(ids(plan?.board)).toEqual({ a: ['3', '1', '2'], b: ['4'] });
    expect(plan?.board.columns[0].count).toBe(3);
    expect(planMove(start, '2', { stageId: 'a', index: 1 })).toBeUndefined();
    // The end of its own column: the gateway refuses `beforeLeadId: null`.
    expect(planMove(start, '1', { stageId: 'a', index: 2 })).toBeUndefined();
    expect(planMove(start, 'missing', { stageId: 'a', index: 0 })).toBeUndefined();
  });

  it('selects a range of cards in either direction', () => {
    const cards = start.columns[0].cards;
    expect(range(cards, '1', '3')).toEqual(['1', '2', '3']);
    expect(range(cards, '3', '2')).toEqual(['2', '3']);
    expect(range(cards, '4', '2')).toEqual(['2']);
  });
});
