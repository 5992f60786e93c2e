import { z } from 'zod';
import { LIMITS } from '../intake/submission.schema';

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const fieldName = z
  .string()
  .min(1)
  .max(LIMITS.keyLength)
  .refine((name) => !RESERVED.has(name), { error: 'is a reserved name' });

export const fieldMappingSchema = z
  .record(z.string().min(1).max(200).refine((name) => !RESERVED.has(name), { error: 'is a reserved name' }), fieldName)
  .refine((mapping) => Object.keys(mapping).length <= LIMITS.fields, { error: `at most ${LIMITS.fields} mappings` });

export const createWebhookSourceSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  fieldMapping: fieldMappingSchema
    .optional()
    .describe('`{<their field>: <our field>}`, applied before field recognition; a key may be a dotted path into nested JSON (`contact.email`).'),
});

export const rotateSecretSchema = z
  .strictObject({
    previousSecretValidForSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .describe('How long the secrets valid until now keep working (default 86400, 24 h); 0 revokes them at once, e.g. after a leak.'),
  })
  .optional();

export type CreateWebhookSource = z.infer<typeof createWebhookSourceSchema>;
export type RotateSecret = z.infer<typeof rotateSecretSchema>;
