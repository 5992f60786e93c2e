import type { CustomValue } from '../intake/field-recognition';

/** `{<their field>: <our field>}`: renames a sender's fields before field recognition. */
export type FieldMapping = Record<string, string>;

const MAX_PATH_SEGMENTS = 8;

/**
 * Applies a source's field mapping. A mapping key names a top-level field, or, when no
 * top-level field has that exact name, a dotted path into nested JSON (`contact.email`,
 * `answers.0.text`). The mapped value is stored under our name, replacing the top-level field
 * it came from; every other field passes through unchanged (recognition sorts it afterwards).
 */
export function applyFieldMapping(fields: Record<string, CustomValue>, mapping: FieldMapping): Record<string, CustomValue> {
  const mapped = new Map<string, CustomValue>();
  const consumed = new Set<string>();
  for (const [theirs, ours] of Object.entries(mapping)) {
    if (Object.hasOwn(fields, theirs)) {
      mapped.set(ours, fields[theirs]);
      consumed.add(theirs);
      continue;
    }
    const value = atPath(fields, theirs);
    if (value !== undefined) mapped.set(ours, value);
  }
  const kept = Object.entries(fields).filter(([key]) => !consumed.has(key) && !mapped.has(key));
  return Object.fromEntries([...kept, ...mapped]);
}

function atPath(fields: Record<string, CustomValue>, path: string): CustomValue | undefined {
  const segments = path.split('.');
  if (segments.length < 2 || segments.length > MAX_PATH_SEGMENTS) return undefined;
  let current: CustomValue | undefined = fields;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    }
  }
  return current;
}
