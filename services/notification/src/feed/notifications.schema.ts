import { limit } from '@leads/service';
import { z } from 'zod';
import { pageCursor } from '../shared/request.schema';

/** `GET /v1/notifications?cursor&limit&unread=true`. */
export const feedQuery = z.strictObject({
  cursor: pageCursor.optional(),
  limit: limit(20),
  unread: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((value) => value === 'true'),
});
export type FeedQueryInput = z.infer<typeof feedQuery>;
