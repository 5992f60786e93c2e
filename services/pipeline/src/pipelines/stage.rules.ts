import type { StageKindName } from './pipeline.entity';

export interface StageDraft {
  readonly name: string;
  readonly kind: StageKindName;
}

/** One broken rule: where in the stage list (relative path, `[]` for the list itself) and why. */
export interface StageRuleViolation {
  readonly path: (string | number)[];
  readonly reason: string;
}

export const MAX_STAGES = 30;

/**
 * The rules of a pipeline's ordered stage list: exactly one win and one lost stage, at least
 * one open stage, and stage names unique regardless of case.
 */
export function stageRuleViolations(stages: readonly StageDraft[]): StageRuleViolation[] {
  const violations: StageRuleViolation[] = [];
  const count = (kind: StageKindName) => stages.filter((stage) => stage.kind === kind).length;
  for (const kind of ['win', 'lost'] as const) {
    if (count(kind) !== 1) violations.push({ path: [], reason: `must have exactly one ${kind} stage (found ${count(kind)})` });
  }
  if (count('open') === 0) violations.push({ path: [], reason: 'must have at least one open stage' });

  const firstIndexOf = new Map<string, number>();
  stages.forEach((stage, index) => {
    const key = stage.name.trim().toLowerCase();
    const first = firstIndexOf.get(key);
    if (first === undefined) firstIndexOf.set(key, index);
    else violations.push({ path: [index, 'name'], reason: `duplicates the name of stage ${first} ("${stages[first].name}"); names are case-insensitive` });
  });
  return violations;
}
