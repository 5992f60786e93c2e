import type { Lead, Qualification } from '../api/types';

export function QualificationBadge({ qualification }: { qualification: Qualification | null }) {
  if (!qualification) return null;
  return <span className={`badge badge-${qualification}`}>{qualification}</span>;
}

/** Where the lead's analysis is: in progress (being enriched or scored), failed, or done (nothing shown on cards). */
export function processingLabel(lead: Pick<Lead, 'processingStatus'>): string {
  switch (lead.processingStatus) {
    case 'received':
      return 'Enriching…';
    case 'enriched':
      return 'Scoring…';
    case 'failed':
      return 'Analysis failed';
    case 'scored':
      return 'Scored';
  }
}

export function StatusBadge({ lead, showScored = false }: { lead: Pick<Lead, 'processingStatus'>; showScored?: boolean }) {
  const status = lead.processingStatus;
  if (status === 'scored' && !showScored) return null;
  const kind = status === 'failed' ? 'failed' : status === 'scored' ? 'done' : 'progress';
  return (
    <span className={`status status-${kind}`} data-status={status}>
      {processingLabel(lead)}
    </span>
  );
}
