import { cursor, limit, uuid } from '@leads/service';
import { z } from 'zod';
import { LEAD_SOURCES, PROCESSING_STATUSES, QUALIFICATIONS } from './lead.entity';

export const leadFilters = z.object({
  qualification: z.enum(QUALIFICATIONS).optional(),
  source: z.enum(LEAD_SOURCES).optional(),
  processingStatus: z.enum(PROCESSING_STATUSES).optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .transform((q) => q || undefined)
    .optional(),
});

export const listLeadsQuery = leadFilters.extend({
  pipelineId: uuid.optional(),
  stageId: uuid.optional(),
  cursor: cursor(z.object({ createdAt: z.iso.datetime(), id: uuid })).optional(),
  limit: limit(50),
});
export type ListLeadsQuery = z.infer<typeof listLeadsQuery>;

const moveTarget = { stageId: uuid.optional(), pipelineId: uuid.optional() };

export const moveLeadBody = z.strictObject({
  ...moveTarget,
  /** The card this lead goes right before in the target column; null: the end of the column. */
  beforeLeadId: uuid.nullable().optional(),
  /** The version the client read; a stale one is refused (409). */
  version: z.number().int().min(1).optional(),
  channel: z.enum(['api', 'kanban', 'detail_dropdown']).default('api'),
});
export type MoveLeadBody = z.infer<typeof moveLeadBody>;

export const MAX_BULK_LEADS = 1000;

export const bulkMoveBody = z
  .strictObject({
    /** Malformed ids are not refused as a whole: each gets its own `invalid` result. */
    leadIds: z
      .array(z.string().max(100).transform((id) => id.toLowerCase()))
      .min(1)
      .max(MAX_BULK_LEADS)
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not repeat an id' }),
    ...moveTarget,
  })
  .refine((body) => body.stageId || body.pipelineId, { error: 'give stageId or pipelineId', path: ['stageId'] });
export type BulkMoveBody = z.infer<typeof bulkMoveBody>;
