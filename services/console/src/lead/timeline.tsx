import type { ApiError } from '../api/client';
import type { Lead, StageMove } from '../api/types';
import { SOURCE_LABELS, formatDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';

interface Entry {
  key: string;
  at: string;
  text: string;
  failed?: boolean;
}

const CHANNELS: Record<StageMove['channel'], string> = {
  api: 'through the API',
  kanban: 'on the board',
  detail_dropdown: 'from the lead page',
  bulk: 'in a bulk move',
  system: 'by the system',
};

function entries(lead: Lead, moves: StageMove[]): Entry[] {
  const list: Entry[] = [{ key: 'created', at: lead.createdAt, text: `Received (${SOURCE_LABELS[lead.source] ?? lead.source})` }];
  for (const move of moves) {
    const text = move.fromStageName
      ? `Moved from ${move.fromStageName} to ${move.toStageName} ${CHANNELS[move.channel]}`
      : `Placed in ${move.toStageName}`;
    list.push({ key: move.id, at: move.movedAt, text });
  }
  if (lead.failure && lead.processingStatus === 'failed') {
    const attempts = lead.failure.attemptCount;
    list.push({
      key: 'failure',
      at: lead.failure.failedAt,
      text: `Analysis failed at ${lead.failure.stage ?? 'processing'} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lead.failure.reason}`,
      failed: true,
    });
  }
  return list.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * What happened to the lead, as far as the API tells: its arrival, every stage move (GET
 * /v1/leads/:id/history) and the last failed analysis. Repeat submissions and each analysis
 * attempt are not exposed by the public API yet.
 */
export function Timeline({ lead, moves, error }: { lead: Lead; moves: StageMove[] | undefined; error: ApiError | undefined }) {
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ProblemAlert error={error} />
      <ol className="timeline">
        {entries(lead, moves ?? []).map((entry) => (
          <li key={entry.key} className={entry.failed ? 'timeline-failed' : undefined}>
            <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            <span>{entry.text}</span>
          </li>
        ))}
        {lead.processingStatus === 'scored' && (
          <li>
            <time dateTime={lead.updatedAt}>latest</time>
            <span>
              Scored {lead.score} ({lead.qualification}) by {lead.scoringModel}
            </span>
          </li>
        )}
      </ol>
      <p className="hint">Repeat submissions and individual analysis attempts are not available from the API yet.</p>
    </section>
  );
}
