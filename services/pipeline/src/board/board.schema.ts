import { cursor, limit, uuid } from '@leads/service';
import { z } from 'zod';
import { leadFilters } from '../leads/lead.schema';

export const boardQuery = leadFilters.extend({ limit: limit(20) });
export type BoardQuery = z.infer<typeof boardQuery>;

export const columnQuery = boardQuery.extend({
  cursor: cursor(z.object({ position: z.number(), createdAt: z.iso.datetime(), id: uuid })).optional(),
});
export type ColumnQuery = z.infer<typeof columnQuery>;

export const columnParams = z.object({ id: uuid, stageId: uuid });
