import { FAILED_LEADS_SAMPLE_SIZE, type FailedLead, type LeadsFailedData } from './notification.entity';

export const EMPTY_GROUP: LeadsFailedData = { sample: [], errorCodes: {} };

/**
 * A group's data once `newLeads` (leads not in the group before, each once) have joined it:
 * they are counted by error code, and the sample keeps the first leads up to its bound.
 */
export function joinGroup(data: LeadsFailedData, newLeads: readonly FailedLead[]): LeadsFailedData {
  const errorCodes = { ...data.errorCodes };
  for (const lead of newLeads) errorCodes[lead.errorCode] = (errorCodes[lead.errorCode] ?? 0) + 1;
  const room = Math.max(0, FAILED_LEADS_SAMPLE_SIZE - data.sample.length);
  return { sample: [...data.sample, ...newLeads.slice(0, room)], errorCodes };
}

/** The first failure of each lead, in order: a lead failing twice in one batch joins once. */
export function firstPerLead<T extends { readonly leadId: string }>(failures: readonly T[]): T[] {
  const seen = new Set<string>();
  return failures.filter((failure) => !seen.has(failure.leadId) && seen.add(failure.leadId));
}
