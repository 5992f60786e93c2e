import type { FieldError } from '@leads/service';
import { z } from 'zod';
import { recogniseFields } from '../intake/field-recognition';
import { LIMITS } from '../intake/submission.schema';

export const IGNORE = 'ignore';

/** The longest CSV record accepted: every column at its longest value, with room to spare for quotes. */
export const MAX_RECORD_CHARS = LIMITS.fields * (LIMITS.stringLength + 3) * 2;

/** `mapping`: `{<csv column>: <field name> | "ignore"}`, overriding the automatic header mapping. */
export const mappingSchema = z.record(
  z.string().min(1).max(LIMITS.keyLength),
  z.string().trim().min(1, { error: 'must name a field, or be "ignore"' }).max(LIMITS.keyLength),
);

export type Mapping = z.infer<typeof mappingSchema>;

export const listImportsSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.uuid({ error: 'must be the nextCursor of a previous page' }).optional(),
});

/**
 * The key each column's values are submitted under (a row becomes `{key: value}` and goes
 * through field recognition like any other channel's submission), or null for an ignored column.
 * By default a column is submitted under its own name; the mapping renames or ignores columns.
 */
export function columnTargets(header: readonly string[], mapping: Mapping | undefined): { targets: (string | null)[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const known = new Set(header);
  for (const column of Object.keys(mapping ?? {})) {
    if (!known.has(column)) errors.push({ field: `mapping.${column}`, reason: 'no such column in the file header' });
  }
  const targets = header.map((name) => {
    if (name === '') return null;
    const target = mapping?.[name] ?? name;
    return target.toLowerCase() === IGNORE ? null : target;
  });
  const seen = new Map<string, string>();
  targets.forEach((target, index) => {
    if (target === null || !mapping) return;
    const other = seen.get(target);
    if (other !== undefined) errors.push({ field: `mapping.${header[index]}`, reason: `maps to ${JSON.stringify(target)} like column ${JSON.stringify(other)}` });
    seen.set(target, header[index]);
  });
  if (errors.length === 0 && !targets.some((target) => target !== null && fieldOf(target) === 'email')) {
    errors.push(
      mapping
        ? { field: 'mapping', reason: 'no column maps to email' }
        : { field: 'file', reason: 'no column is recognised as the email address: name it "email" or give a mapping' },
    );
  }
  return { targets, errors };
}

/**
 * Where a submitted key lands after field recognition, for display: a standard field
 * (`email`, `firstName`, …, `name` for a full name split in two), `utm.<param>`, or
 * `customFields.<key>`.
 */
export function fieldOf(key: string): string {
  const { profile, utm, customFields } = recogniseFields({ [key]: 'Probe Value' });
  if (Object.keys(customFields).length > 0) return `customFields.${key}`;
  const utmKey = Object.keys(utm)[0];
  if (utmKey) return `utm.${utmKey}`;
  const fields = Object.keys(profile);
  return fields.length > 1 ? 'name' : fields[0];
}
