import { useState } from 'react';
import { ApiError, api } from '../api/client';
import { QUALIFICATIONS, SOURCES, type Funnel, type LeadSource, type Pipeline } from '../api/types';
import { usePipelines } from '../pipelines/use-pipelines';
import { SOURCE_LABELS, formatDateTime, formatDuration, formatPercent, leadName } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { Link, navigate, useLocation, withQuery } from '../shared/router';
import { useQuery } from '../shared/use-query';

/** The dashboard reads its numbers again this often while visible. */
const POLL_MS = 5000;

function FunnelChart({ funnel }: { funnel: Funnel }) {
  const top = Math.max(1, ...funnel.stages.map((step) => step.reached));
  return (
    <table className="funnel" aria-label="Funnel">
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col">Reached</th>
          <th scope="col">From the previous stage</th>
          <th scope="col">Median time in stage</th>
        </tr>
      </thead>
      <tbody>
        {funnel.stages.map((step) => (
          <tr key={step.stage.id} data-stage={step.stage.name}>
            <th scope="row">
              <span className="stage-dot" style={{ background: step.stage.color }} aria-hidden="true" />
              {step.stage.name}
            </th>
            <td className="funnel-bar-cell">
              <div className="funnel-bar-row">
                <span className="funnel-bar" style={{ width: `${(step.reached / top) * 85}%`, background: step.stage.color }} aria-hidden="true" />
                <span className="funnel-number" data-testid="reached">
                  {step.reached}
                </span>
              </div>
            </td>
            <td data-testid="conversion">{step.stage.kind === 'lost' ? 'lost' : formatPercent(step.conversionRate)}</td>
            <td>{formatDuration(step.medianSecondsInStage)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Totals({ funnel }: { funnel: Funnel }) {
  const { leads, won, winRate, lost, lostRate } = funnel.totals;
  return (
    <dl className="stats">
      <div>
        <dt>Leads</dt>
        <dd data-testid="total-leads">{leads}</dd>
      </div>
      <div>
        <dt>Won</dt>
        <dd>
          {won} <small>({formatPercent(winRate)})</small>
        </dd>
      </div>
      <div>
        <dt>Lost</dt>
        <dd>
          {lost} <small>({formatPercent(lostRate)})</small>
        </dd>
      </div>
    </dl>
  );
}

/** Hot, warm and cold leads now on the pipeline: the board's counts with one filter each. */
function Qualifications({ pipeline }: { pipeline: Pipeline }) {
  const counts = useQuery(
    `qualifications:${pipeline.id}`,
    () =>
      Promise.all(
        QUALIFICATIONS.map(async (qualification) => {
          const board = await api.pipelines.board(pipeline.id, { qualification }, 1);
          return [qualification, board.columns.reduce((sum, column) => sum + column.count, 0)] as const;
        }),
      ),
    { pollMs: POLL_MS },
  );
  return (
    <section className="card" aria-labelledby="qualification-title">
      <h2 id="qualification-title">Hot, warm and cold</h2>
      <ProblemAlert error={counts.error} />
      <dl className="stats">
        {(counts.data ?? QUALIFICATIONS.map((qualification) => [qualification, undefined] as const)).map(([qualification, count]) => (
          <div key={qualification} className={`stat-${qualification}`}>
            <dt>{qualification}</dt>
            <dd>
              <Link to={`/?pipeline=${pipeline.id}&qualification=${qualification}`}>{count ?? '…'}</Link>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function FailedLeads() {
  const failed = useQuery('failed-leads', () => api.leads.list({ processingStatus: 'failed', limit: 20 }), { pollMs: POLL_MS });
  const [result, setResult] = useState('');
  const [error, setError] = useState<ApiError>();
  const retryAll = async () => {
    setError(undefined);
    try {
      const { requested } = await api.leads.retryFailed();
      setResult(`${requested} failed lead${requested === 1 ? ' was' : 's were'} sent for a new analysis.`);
      failed.reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  const items = failed.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="failed-title">
      <div className="section-head">
        <h2 id="failed-title">Failed leads</h2>
        <button type="button" onClick={() => void retryAll()} disabled={items.length === 0}>
          Retry all
        </button>
      </div>
      <ProblemAlert error={error ?? failed.error} />
      <p role="status">{result}</p>
      {items.length === 0 ? (
        <p className="hint">No lead is waiting for a retry.</p>
      ) : (
        <ul className="failed-list">
          {items.map((lead) => (
            <li key={lead.id}>
              <Link to={`/leads/${lead.id}`}>{leadName(lead)}</Link> <span className="hint">{lead.failure?.reason}</span>{' '}
              <span className="hint">{formatDateTime(lead.failure?.failedAt)}</span>
            </li>
          ))}
          {failed.data?.nextCursor && <li className="hint">…and more</li>}
        </ul>
      )}
    </section>
  );
}

export function DashboardPage() {
  const location = useLocation();
  const { pipelines, selected: pipeline, error } = usePipelines(location.query.get('pipeline'));
  const from = location.query.get('from') ?? '';
  const to = location.query.get('to') ?? '';
  const source = (location.query.get('source') ?? '') as LeadSource | '';
  const set = (changes: Record<string, string | undefined>) => navigate(withQuery(location, changes), { replace: true });
  const funnel = useQuery(
    pipeline ? JSON.stringify([pipeline.id, from, to, source]) : null,
    () => api.pipelines.funnel(pipeline!.id, { from: from || undefined, to: to || undefined, source: source || undefined }),
    { pollMs: POLL_MS },
  );
  return (
    <div>
      <div className="page-head">
        <h1>Dashboard</h1>
      </div>
      <ProblemAlert error={error} />
      <div className="toolbar" role="search" aria-label="Funnel filters">
        <label>
          Pipeline
          <select value={pipeline?.id ?? ''} onChange={(event) => set({ pipeline: event.target.value })}>
            {pipelines.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created from
          <input type="date" value={from} onChange={(event) => set({ from: event.target.value })} />
        </label>
        <label>
          to
          <input type="date" value={to} onChange={(event) => set({ to: event.target.value })} />
        </label>
        <label>
          Source
          <select value={source} onChange={(event) => set({ source: event.target.value })}>
            <option value="">Any</option>
            {SOURCES.map((value) => (
              <option key={value} value={value}>
                {SOURCE_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="dashboard-grid">
        <section className="card funnel-card" aria-labelledby="funnel-title">
          <h2 id="funnel-title">Funnel{pipeline ? ` of ${pipeline.name}` : ''}</h2>
          <ProblemAlert error={funnel.error} />
          {funnel.data ? (
            <>
              <Totals funnel={funnel.data} />
              <FunnelChart funnel={funnel.data} />
              <p className="hint">
                Leads created in the range. A lead counts for every stage up to the furthest it reached; conversion is reached ÷ reached at the stage
                before.
              </p>
            </>
          ) : (
            <p className="loading">Loading…</p>
          )}
        </section>
        <div>
          {pipeline && <Qualifications pipeline={pipeline} />}
          <FailedLeads />
        </div>
      </div>
    </div>
  );
}
