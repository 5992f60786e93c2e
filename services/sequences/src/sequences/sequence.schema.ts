import { uuid } from '@leads/service';
import { z } from 'zod';
import { pageQuery } from '../shared/request.schema';
import { templateProblems } from './email-template';
import { ENROLLABLE_QUALIFICATIONS, LEAD_SOURCES } from './sequence.entity';

export const MAX_NAME_LENGTH = 200;
export const MAX_SUBJECT_LENGTH = 200;
export const MAX_BODY_LENGTH = 20_000;
export const MAX_STEPS = 20;
export const MAX_DELAY_SECONDS = 365 * 86_400;
export const MAX_PIPELINES = 50;

const unique = <Item>(items: readonly Item[]) => new Set(items).size === items.length;

/** A template string whose syntax is checked (each problem is an issue on the field). */
const template = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .superRefine((value, context) => {
      for (const problem of templateProblems(value)) context.addIssue({ code: 'custom', message: problem });
    });

const step = z.strictObject({
  delaySeconds: z.int().min(0).max(MAX_DELAY_SECONDS),
  subject: template(MAX_SUBJECT_LENGTH).refine((subject) => !/[\r\n]/.test(subject), { error: 'must be one line' }),
  body: template(MAX_BODY_LENGTH),
});

const criteria = z.strictObject({
  qualifications: z.array(z.enum(ENROLLABLE_QUALIFICATIONS)).min(1).refine(unique, { error: 'must not repeat a qualification' }),
  pipelineIds: z.array(uuid).max(MAX_PIPELINES).refine(unique, { error: 'must not repeat a pipeline' }).default([]),
  sources: z.array(z.enum(LEAD_SOURCES)).refine(unique, { error: 'must not repeat a source' }).default([]),
  minScore: z.int().min(0).max(100).nullable().default(null),
});

const name = z.string().trim().min(1).max(MAX_NAME_LENGTH);
const steps = z.array(step).min(1).max(MAX_STEPS);

export const createSequenceBody = z.strictObject({
  name,
  /** A new sequence starts enrolling at once (active) or when resumed (paused). */
  status: z.enum(['active', 'paused']),
  criteria,
  steps,
});
export type CreateSequenceBody = z.infer<typeof createSequenceBody>;

export const updateSequenceBody = z.strictObject({
  name: name.optional(),
  status: z.enum(['active', 'paused', 'archived']).optional(),
  criteria: criteria.optional(),
  steps: steps.optional(),
  /** The version the client read; a stale one is refused (409). */
  version: z.int().min(1).optional(),
});
export type UpdateSequenceBody = z.infer<typeof updateSequenceBody>;

export const listSequencesQuery = pageQuery.extend({ status: z.enum(['active', 'paused', 'archived']).optional() });
export type ListSequencesQuery = z.infer<typeof listSequencesQuery>;
