import { z } from 'zod';
import { REASON_PROMPT_MAX_CHARS } from './scoring-prompt';

/** The validator's bound on the reason: the prompt's limit plus some slack for a model that counts loosely. */
export const REASON_MAX_CHARS = REASON_PROMPT_MAX_CHARS + 100;
export const COMPANY_NAME_MAX_CHARS = 200;

const qualifications = ['hot', 'warm', 'cold'] as const;

/** What the model must answer, exactly: no extra keys, no coercion (a score of "87" or 87.5 is invalid). */
export const modelReplySchema = z.strictObject({
  score: z.number().int().min(0).max(100),
  qualification: z.enum(qualifications),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(REASON_MAX_CHARS)
    // A human sentence or two: no line breaks, no JSON or markup smuggled in.
    .refine((value) => ![...value].some((char) => char.charCodeAt(0) < 0x20), { error: 'must be one or two sentences on one line' })
    .refine((value) => !/^[[{<`]/.test(value), { error: 'must be plain text' }),
  companyName: z
    .string()
    .trim()
    .max(COMPANY_NAME_MAX_CHARS)
    .nullable()
    .transform((value) => (value === '' ? null : value)),
});

export type ModelReply = z.infer<typeof modelReplySchema>;

export type ParsedReply = { ok: true; reply: ModelReply } | { ok: false; problem: string };

/**
 * The model's text as an analysis, or why it is not one. The whole text must be one JSON object
 * (no prose around it, no code fence) valid against the schema; nothing is guessed or repaired.
 */
export function parseModelReply(text: string | null | undefined): ParsedReply {
  if (text === null || text === undefined || text.trim() === '') return { ok: false, problem: 'the reply is empty' };
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch (error) {
    return { ok: false, problem: `the reply is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, problem: 'the reply is not a JSON object' };
  const result = modelReplySchema.safeParse(json);
  if (result.success) return { ok: true, reply: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(reply)'}: ${issue.message}`);
  return { ok: false, problem: `the reply does not match the schema (${problems.join('; ')})` };
}
