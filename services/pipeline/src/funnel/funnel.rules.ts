import type { StageJson } from '../pipelines/pipeline.entity';

/*
 * The funnel of a pipeline, over a cohort of leads (those now in the pipeline, created in the
 * date range, of the source if one is given). Its steps are the open stages in position order,
 * then the win stage.
 *
 * - reached, open stage: a lead counts for every open stage up to the furthest one it entered
 *   (by stage position, from its stage history), and every lead counts for the first open stage
 *   (it entered the pipeline). A won lead went through the whole funnel: it counts for every
 *   open stage. A lost lead counts for the open stages it reached before it was lost.
 * - reached, win stage: the leads now in the win stage (= totals.won).
 * - conversionRate: reached / reached of the previous step (null for the first step, or when
 *   the previous step has no lead).
 * - medianSecondsInStage: the median time leads of the cohort stayed in the stage before they
 *   were moved on (each completed stay counts; a lead still in the stage does not yet).
 * - the lost stage is listed last with reached = the leads now in it and conversionRate null.
 * - totals: leads (the cohort), won, winRate = won / leads, lost, lostRate = lost / leads
 *   (rates are fractions between 0 and 1; null when there are no leads).
 */

/** Leads of the cohort grouped by the furthest open stage position they entered and the kind of the stage they are in now. */
export interface LeadDepthGroup {
  readonly furthestOpenPosition: number | null;
  readonly outcome: StageJson['kind'];
  readonly leads: number;
}

export interface FunnelStep {
  readonly stage: StageJson;
  readonly reached: number;
  readonly conversionRate: number | null;
  readonly medianSecondsInStage: number | null;
}

export interface FunnelTotals {
  readonly leads: number;
  readonly won: number;
  readonly winRate: number | null;
  readonly lost: number;
  readonly lostRate: number | null;
}

export function computeFunnel(
  stages: readonly StageJson[],
  groups: readonly LeadDepthGroup[],
  medianSeconds: ReadonlyMap<string, number>,
): { stages: FunnelStep[]; totals: FunnelTotals } {
  const count = (included: (group: LeadDepthGroup) => boolean) => groups.filter(included).reduce((sum, group) => sum + group.leads, 0);
  const leads = count(() => true);
  const won = count((group) => group.outcome === 'win');
  const lost = count((group) => group.outcome === 'lost');
  const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const median = (stage: StageJson) => medianSeconds.get(stage.id) ?? null;

  const open = stages.filter((stage) => stage.kind === 'open').sort((a, b) => a.position - b.position);
  const reachedOpen = open.map((stage, index) =>
    index === 0
      ? leads
      : count((group) => group.outcome === 'win' || (group.furthestOpenPosition !== null && group.furthestOpenPosition >= stage.position)),
  );
  const steps = [...open.map((stage, index) => ({ stage, reached: reachedOpen[index] })), { stage: stages.find((s) => s.kind === 'win')!, reached: won }];
  const lostStage = stages.find((stage) => stage.kind === 'lost')!;
  return {
    stages: [
      ...steps.map((step, index) => ({
        ...step,
        conversionRate: index === 0 ? null : rate(step.reached, steps[index - 1].reached),
        medianSecondsInStage: median(step.stage),
      })),
      { stage: lostStage, reached: lost, conversionRate: null, medianSecondsInStage: median(lostStage) },
    ],
    totals: { leads, won, winRate: rate(won, leads), lost, lostRate: rate(lost, leads) },
  };
}
