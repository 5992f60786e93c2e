import { z } from 'zod';
import type { CustomValue } from './field-recognition';
import { LIMITS } from './limits';
import { nestedDeeperThan } from './nesting';

export { LIMITS };

const customValue: z.ZodType<CustomValue> = z.lazy(() =>
  z.union([
    z.string().max(LIMITS.stringLength),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(customValue).max(LIMITS.arrayLength),
    z.record(z.string().max(LIMITS.keyLength), customValue),
  ]),
);

/** Checked before any recursive validation runs: deep nesting would overflow its stack. */
const boundedNesting = z.unknown().refine((value) => !nestedDeeperThan(value, LIMITS.depth), {
  error: `nested deeper than ${LIMITS.depth} levels`,
});

/**
 * A flat map of submitted fields, whatever their names, bounded in count, size and nesting.
 * The shape every channel (API, webhook, form, CSV row) reduces to before recognition.
 */
export const submittedFieldsSchema = boundedNesting.pipe(
  z
    .record(z.string().min(1).max(LIMITS.keyLength), customValue)
    .refine((fields) => Object.keys(fields).length <= LIMITS.fields, { error: `at most ${LIMITS.fields} fields` }),
);

export const emailSchema = z.string().max(254).pipe(z.email({ error: 'must be an email address' }));

/** `POST /v1/leads`: any fields (standard ones recognised), optionally `customFields`, `utm` and `pipelineId`. */
export const createLeadSchema = boundedNesting.pipe(
  z
  .object({
    pipelineId: z.uuid({ error: 'must be a pipeline id' }).optional(),
    customFields: z.record(z.string().max(LIMITS.keyLength), customValue).optional(),
    utm: z
      .strictObject({
        source: z.string().max(200).optional(),
        medium: z.string().max(200).optional(),
        campaign: z.string().max(200).optional(),
        term: z.string().max(200).optional(),
        content: z.string().max(200).optional(),
      })
      .optional(),
  })
  .catchall(customValue)
  .superRefine((body, ctx) => {
    const result = submittedFieldsSchema.safeParse(body);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
  }),
);

export type CreateLead = z.infer<typeof createLeadSchema>;
