import { uuid } from '@leads/service';
import { z } from 'zod';
import { STAGE_KINDS } from './pipeline.entity';
import { MAX_STAGES, stageRuleViolations } from './stage.rules';

const name = z.string().trim().min(1).max(100);

const stage = z.strictObject({
  name,
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour written #rrggbb' })
    .transform((color) => color.toLowerCase()),
  kind: z.enum(STAGE_KINDS),
});

/** An ordered stage list that follows the stage rules; each broken rule is an issue on its field. */
function stageList<Stage extends z.ZodType<{ name: string; kind: (typeof STAGE_KINDS)[number] }>>(item: Stage) {
  return z
    .array(item)
    .max(MAX_STAGES)
    .superRefine((stages, context) => {
      for (const violation of stageRuleViolations(stages)) {
        context.addIssue({ code: 'custom', path: violation.path, message: violation.reason });
      }
    });
}

export const createPipelineBody = z.strictObject({ name, stages: stageList(stage) });
export type CreatePipelineBody = z.infer<typeof createPipelineBody>;

export const updatePipelineBody = z.strictObject({
  name: name.optional(),
  /** The full ordered list: a stage with an id is kept (renamed, recoloured, moved), without one is added, left out is deleted. */
  stages: stageList(stage.extend({ id: uuid.optional() })).optional(),
  /** removed stage id → the kept stage its leads move to. */
  moveLeadsTo: z.record(z.string(), uuid).optional(),
  version: z.number().int().min(1).optional(),
});
export type UpdatePipelineBody = z.infer<typeof updatePipelineBody>;

export const deletePipelineQuery = z.object({ targetPipelineId: uuid.optional() });
