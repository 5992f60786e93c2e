import type { StageJson } from '../pipelines/pipeline.entity';
import { computeFunnel, type LeadDepthGroup } from './funnel.rules';

const stage = (id: string, kind: StageJson['kind'], position: number): StageJson => ({ id, name: id, color: '#000000', kind, position });
const defaultStages = [stage('new', 'open', 0), stage('contacted', 'open', 1), stage('qualified', 'open', 2), stage('won', 'win', 3), stage('lost', 'lost', 4)];
const group = (furthestOpenPosition: number | null, outcome: StageJson['kind'], leads: number): LeadDepthGroup => ({ furthestOpenPosition, outcome, leads });

describe('computeFunnel', () => {
  it('counts each lead for every open stage up to the furthest it reached, and won leads for Win', () => {
    // 10 leads: 4 stay in New, 3 reach Contacted, 2 reach Qualified then Win, 1 is lost from Contacted.
    const funnel = computeFunnel(defaultStages, [group(0, 'open', 4), group(1, 'open', 3), group(2, 'win', 2), group(1, 'lost', 1)], new Map([['new', 60]]));
    expect(funnel.stages.map((step) => [step.stage.id, step.reached, step.conversionRate])).toEqual([
      ['new', 10, null],
      ['contacted', 6, 0.6],
      ['qualified', 2, 2 / 6],
      ['won', 2, 1],
      ['lost', 1, null],
    ]);
    expect(funnel.stages[0].medianSecondsInStage).toBe(60);
    expect(funnel.stages[1].medianSecondsInStage).toBeNull();
    expect(funnel.totals).toEqual({ leads: 10, won: 2, winRate: 0.2, lost: 1, lostRate: 0.1 });
  });

  it('counts a won lead for every open stage, even ones it skipped', () => {
    const funnel = computeFunnel(defaultStages, [group(0, 'win', 1)], new Map());
    expect(funnel.stages.map((step) => step.reached)).toEqual([1, 1, 1, 1, 0]);
  });

  it('counts a lead for the open stages before the furthest it reached, even ones it skipped', () => {
    const funnel = computeFunnel(defaultStages, [group(2, 'open', 1)], new Map());
    expect(funnel.stages.map((step) => step.reached)).toEqual([1, 1, 1, 0, 0]);
  });

  it('counts every lead of the pipeline for the first open stage', () => {
    const funnel = computeFunnel(defaultStages, [group(null, 'lost', 1)], new Map());
    expect(funnel.stages.map((step) => step.reached)).toEqual([1, 0, 0, 0, 1]);
  });

  it('orders steps as open stages by position, then Win, then Lost, wherever those sit', () => {
    const stages = [stage('won', 'win', 0), stage('b', 'open', 2), stage('lost', 'lost', 1), stage('a', 'open', 3)];
    const funnel = computeFunnel(stages, [group(3, 'open', 2), group(2, 'open', 2)], new Map());
    expect(funnel.stages.map((step) => [step.stage.id, step.reached])).toEqual([
      ['b', 4],
      ['a', 2],
      ['won', 0],
      ['lost', 0],
    ]);
  });

  it('has null rates without leads', () => {
    const funnel = computeFunnel(defaultStages, [], new Map());
    expect(funnel.stages.map((step) => step.conversionRate)).toEqual([null, null, null, null, null]);
    expect(funnel.totals).toEqual({ leads: 0, won: 0, winRate: null, lost: 0, lostRate: null });
  });
});
