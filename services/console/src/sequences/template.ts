import type { Lead } from '../api/types';

const STANDARD = ['firstName', 'lastName', 'email', 'companyName'] as const;

/** A lead to preview templates with when the workspace has none yet. */
export const SAMPLE_LEAD: Pick<Lead, 'firstName' | 'lastName' | 'email' | 'companyName' | 'customFields'> = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@analytical.example',
  companyName: 'Analytical Engines',
  customFields: { plan: 'enterprise' },
};

/**
 * Renders a step's template the way the sequences service does: `{{firstName}}`, `{{lastName}}`,
 * `{{email}}`, `{{companyName}}`, `{{customFields.<name>}}` or `{{<custom field name>}}`;
 * unknown or empty values render empty. (The service validates the syntax when saving.)
 */
export function renderTemplate(template: string, lead: Pick<Lead, 'firstName' | 'lastName' | 'email' | 'companyName' | 'customFields'>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_, name: string) => {
    if ((STANDARD as readonly string[]).includes(name)) return String(lead[name as (typeof STANDARD)[number]] ?? '');
    const key = name.startsWith('customFields.') ? name.slice('customFields.'.length) : name;
    const value = lead.customFields?.[key];
    return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

const UNITS: Array<[string, number]> = [
  ['days', 86400],
  ['hours', 3600],
  ['minutes', 60],
];

/** 172800 → `{amount: 2, unit: 'days'}`: the largest unit that divides the delay. */
export function splitDelay(seconds: number): { amount: number; unit: string } {
  for (const [unit, size] of UNITS) if (seconds > 0 && seconds % size === 0) return { amount: seconds / size, unit };
  return { amount: seconds / 60, unit: 'minutes' };
}

export function delaySeconds(amount: number, unit: string): number {
  return Math.round(amount * (UNITS.find(([name]) => name === unit)?.[1] ?? 60));
}

export const DELAY_UNITS = UNITS.map(([unit]) => unit);
