import { z } from 'zod';
import { LEAD_SOURCES } from '../leads/lead.entity';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An ISO date or date-time; a date-only `to` includes that whole day (UTC). */
const bound = (edge: 'from' | 'to') =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => {
    if (value.includes('T')) return new Date(value);
    const day = new Date(`${value}T00:00:00Z`);
    return edge === 'to' ? new Date(day.getTime() + DAY_MS) : day;
  });

export const funnelQuery = z
  .object({ from: bound('from').optional(), to: bound('to').optional(), source: z.enum(LEAD_SOURCES).optional() })
  .refine((query) => !query.from || !query.to || query.from < query.to, { error: 'must be after from', path: ['to'] });
export type FunnelQuery = z.infer<typeof funnelQuery>;
