import type { ApiError } from '../api/client';
import type { StageMove, Timeline as LeadTimeline, TimelineEntry } from '../api/types';
import { SOURCE_LABELS, formatPreciseDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';

const CHANNELS: Record<StageMove['channel'], string> = {
  api: 'through the API',
  kanban: 'on the board',
  detail_dropdown: 'from the lead page',
  bulk: 'in a bulk move',
  system: 'by the system',
};

const ACTORS: Record<string, string> = { user: 'a user', api_key: 'an API key', system: 'the system' };

const PARTS: Record<string, string> = { enrichment: 'enrichment', scoring: 'AI analysis', pipeline: 'stage moves', sequences: 'sequence emails' };

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function describe(entry: TimelineEntry): { text: string; failed?: boolean } {
  switch (entry.type) {
    case 'submitted': {
      const campaign = entry.utm.campaign ?? entry.utm.source;
      return { text: `Submitted through ${SOURCE_LABELS[entry.channel] ?? entry.channel} (${plural(Object.keys(entry.fields).length, 'field')})${campaign ? `, campaign ${campaign}` : ''}` };
    }
    case 'enriched': {
      const facts = [
        entry.emailClass && `${entry.emailClass} email`,
        entry.mxStatus === 'valid' ? 'MX found' : entry.mxStatus === 'none' ? 'no MX' : null,
        entry.location && [entry.location.city, entry.location.countryCode].filter(Boolean).join(', '),
        entry.company && `company ${entry.company}`,
      ].filter(Boolean);
      return { text: `Enriched in ${entry.durationMs} ms: ${facts.join(' · ') || 'nothing found'}` };
    }
    case 'enrichment-failed':
      return { text: `Enrichment failed: ${entry.reason ?? 'unknown reason'}`, failed: true };
    case 'analysis-requested':
      return { text: `New AI analysis requested by ${ACTORS[entry.requestedBy?.kind ?? 'system'] ?? entry.requestedBy?.kind}` };
    case 'analysis-attempt':
      if (entry.outcome === 'success') {
        return { text: `Attempt ${entry.number}: ${entry.model} answered in ${entry.latencyMs} ms${entry.totalTokens ? ` (${entry.totalTokens} tokens)` : ''}` };
      }
      return {
        text: `Attempt ${entry.number}: ${entry.model} ${entry.outcome.replaceAll('_', ' ')}${entry.httpStatus ? ` (HTTP ${entry.httpStatus})` : ''}${entry.error ? `: ${entry.error}` : ''}`,
        failed: true,
      };
    case 'scored':
      return { text: `Scored ${entry.score} (${entry.qualification}) by ${entry.model}: ${entry.reason}` };
    case 'analysis-failed':
      return { text: `AI analysis failed after ${plural(entry.attempts, 'attempt')}`, failed: true };
    case 'placed':
      return { text: `Placed in ${entry.toStageName}` };
    case 'stage-moved':
      return { text: `Moved from ${entry.fromStageName} to ${entry.toStageName} ${CHANNELS[entry.channel] ?? ''}` };
    case 'enrolled':
      return { text: `Enrolled in the sequence ${entry.sequenceName ?? '(deleted)'}` };
    case 'sequence-completed':
      return { text: `Sequence ${entry.sequenceName ?? '(deleted)'} completed` };
    case 'sequence-stopped':
      return { text: `Sequence ${entry.sequenceName ?? '(deleted)'} stopped${entry.stopReason ? ` (${entry.stopReason.replaceAll('_', ' ')})` : ''}` };
    case 'email':
      return {
        text: `Email ${entry.step} of ${entry.sequenceName ?? '(deleted)'}: “${entry.subject}”, ${entry.status}${entry.error ? ` (${entry.error})` : ''}`,
        failed: entry.status === 'failed',
      };
  }
}

/**
 * What happened to the lead, oldest first, as every service that took part tells it
 * (GET /v1/leads/:id/timeline): submissions, enrichment, each AI attempt, stage moves, emails.
 */
export function Timeline({ timeline, error }: { timeline: LeadTimeline | undefined; error: ApiError | undefined }) {
  const missing = timeline?.unavailable.map((part) => PARTS[part] ?? part) ?? [];
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ProblemAlert error={error} />
      {missing.length > 0 && (
        <p className="hint" role="status">
          Not shown for now ({missing.join(', ')}): the service did not answer.
        </p>
      )}
      {!timeline && !error && <p className="loading">Loading the timeline…</p>}
      <ol className="timeline">
        {timeline?.items.map((entry) => {
          const { text, failed } = describe(entry);
          return (
            <li key={entry.id} className={failed ? 'timeline-failed' : undefined}>
              <time dateTime={entry.at}>{formatPreciseDateTime(entry.at)}</time>
              <span>{text}</span>
            </li>
          );
        })}
      </ol>
      {timeline?.truncated && <p className="hint">Older entries are left out.</p>}
    </section>
  );
}
