import type { CustomValue } from '../intake/field-recognition';

/** Hidden fields of the snippet; never stored as lead fields. */
export const CONTROL_FIELDS = {
  /** The honeypot: invisible to people, filled by bots that fill every input. */
  honeypot: '_hp',
  /** Page-load time, ms since the epoch (the visitor's clock), set by the snippet's script. */
  loadedAt: '_ts',
  /** Time spent on the form in ms, measured by the script (immune to clock skew). */
  elapsed: '_te',
  /** The page the form was on (`location.href`), set by the script. */
  page: '_page',
} as const;

const CONTROL_NAMES = new Set<string>(Object.values(CONTROL_FIELDS));

export type BotVerdict = { bot: false } | { bot: true; reason: 'honeypot' | 'too-fast' | 'malformed-timing' };

export interface SplitSubmission {
  fields: Record<string, CustomValue>;
  controls: Partial<Record<keyof typeof CONTROL_FIELDS, CustomValue>>;
}

/** Separates the snippet's hidden fields from the lead's fields. */
export function splitControls(body: Record<string, CustomValue>): SplitSubmission {
  const fields: Record<string, CustomValue> = {};
  const controls: SplitSubmission['controls'] = {};
  for (const [key, value] of Object.entries(body)) {
    if (!CONTROL_NAMES.has(key)) fields[key] = value;
  }
  for (const [name, key] of Object.entries(CONTROL_FIELDS) as [keyof typeof CONTROL_FIELDS, string][]) {
    if (Object.hasOwn(body, key)) controls[name] = body[key];
  }
  return { fields, controls };
}

const MS = /^\d{1,15}$/;

function isFilled(value: CustomValue | undefined): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (Array.isArray(value)) return value.some(isFilled);
  return typeof value === 'object' || String(value).trim() !== '';
}

function milliseconds(value: CustomValue | undefined): number | 'absent' | 'malformed' {
  if (value === undefined || value === null || value === '') return 'absent';
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && MS.test(value.trim())) return Number(value.trim());
  return 'malformed';
}

/**
 * A bot fills the honeypot, or posts sooner than a person can fill a form. The fill time is
 * the script's own measure (`_te`) when sent, else now − page-load time (`_ts`); a form posted
 * without either (scripts off, a hand-written form) is judged by the honeypot alone.
 */
export function judgeSubmission(controls: SplitSubmission['controls'], nowMs: number, minFillMs: number): BotVerdict {
  if (isFilled(controls.honeypot)) return { bot: true, reason: 'honeypot' };
  const elapsed = milliseconds(controls.elapsed);
  const loadedAt = milliseconds(controls.loadedAt);
  if (elapsed === 'malformed' || loadedAt === 'malformed') return { bot: true, reason: 'malformed-timing' };
  const fillTime = elapsed !== 'absent' ? elapsed : loadedAt !== 'absent' ? nowMs - loadedAt : undefined;
  if (fillTime !== undefined && fillTime < minFillMs) return { bot: true, reason: 'too-fast' };
  return { bot: false };
}
