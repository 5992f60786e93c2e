import { z } from 'zod';
import { createLeadSchema, submittedFieldsSchema } from '../intake/submission.schema';

export { createLeadSchema };

/** PATCH /v1/leads/:id: a move (stageId / pipelineId, forwarded to the pipeline) and/or profile fields (a new submission). */
export const updateLeadSchema = z
  .object({
    stageId: z.uuid({ error: 'must be a stage id' }).optional(),
    pipelineId: z.uuid({ error: 'must be a pipeline id' }).optional(),
    beforeLeadId: z.uuid().nullable().optional(),
    version: z.int().min(0).optional(),
    channel: z.enum(['api', 'kanban', 'detail_dropdown']).optional(),
  })
  .catchall(z.unknown())
  .superRefine((body, ctx) => {
    const profile = profileFields(body);
    const result = submittedFieldsSchema.safeParse(profile);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
  });

export const MOVE_FIELDS = ['stageId', 'pipelineId', 'beforeLeadId', 'version', 'channel'] as const;

export function profileFields(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !(MOVE_FIELDS as readonly string[]).includes(key)));
}

export const bulkLeadsSchema = z
  .strictObject({
    leadIds: z.array(z.uuid({ error: 'must be a lead id' })).min(1).max(1000),
    stageId: z.uuid().optional(),
    pipelineId: z.uuid().optional(),
  })
  .refine((body) => Boolean(body.stageId) !== Boolean(body.pipelineId), {
    error: 'give either stageId or pipelineId',
    path: ['stageId'],
  });

export const leadQuerySchema = z.strictObject({
  pipelineId: z.uuid().optional(),
  stageId: z.uuid().optional(),
  qualification: z.enum(['hot', 'warm', 'cold']).optional(),
  processingStatus: z.enum(['received', 'enriched', 'scored', 'failed']).optional(),
  source: z.enum(['api', 'webhook', 'form', 'csv_import', 'console']).optional(),
  q: z.string().max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
