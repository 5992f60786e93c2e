import type { Lead } from '../api/types';

export function leadName(lead: Pick<Lead, 'firstName' | 'lastName' | 'email'>): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  return name || lead.email || 'Unnamed lead';
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const preciseDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatDateTime(value: string | null | undefined): string {
  return value ? dateTime.format(new Date(value)) : '—';
}

/** With seconds: for events that happen moments apart (a lead's timeline). */
export function formatPreciseDateTime(value: string): string {
  return preciseDateTime.format(new Date(value));
}

export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 1000) / 10}%`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8640) / 10} d`;
}

export const SOURCE_LABELS: Record<string, string> = {
  api: 'API',
  webhook: 'Webhook',
  form: 'Web form',
  csv_import: 'CSV import',
  console: 'Console',
};

/** A value of any JSON shape, on one line. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
