import { useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Lead, Pipeline } from '../api/types';
import { usePipelines } from '../pipelines/use-pipelines';
import { QualificationBadge, StatusBadge } from '../shared/badges';
import { SOURCE_LABELS, formatDateTime, formatValue, leadName } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { Link } from '../shared/router';
import { useQuery } from '../shared/use-query';
import { Timeline } from './timeline';

/** The lead is read again this often: its analysis and stage change while it is open. */
const POLL_MS = 3000;

function Fields({ rows }: { rows: Array<[string, unknown]> }) {
  return (
    <dl className="fields">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{formatValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function StagePicker({ lead, pipeline, onMoved }: { lead: Lead; pipeline: Pipeline | undefined; onMoved(): void }) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  if (!pipeline) return null;
  const move = async (stageId: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.leads.move(lead.id, { stageId, channel: 'detail_dropdown' });
      onMoved();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <label>
        Stage ({pipeline.name})
        <select value={lead.stageId ?? ''} disabled={busy} onChange={(event) => void move(event.target.value)}>
          {lead.stageId === null && <option value="">Not placed yet</option>}
          {pipeline.stages.map((stage) => (
            <option key={stage.id} value={stage.id}>
              {stage.name}
            </option>
          ))}
        </select>
      </label>
      <ProblemAlert error={error} />
    </div>
  );
}

function Analysis({ lead, onRetried }: { lead: Lead; onRetried(): void }) {
  const [error, setError] = useState<ApiError>();
  const [requested, setRequested] = useState(false);
  const retry = async () => {
    setError(undefined);
    try {
      await api.leads.retryAnalysis(lead.id);
      setRequested(true);
      onRetried();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  const failure = lead.failure;
  return (
    <section className="card" aria-labelledby="analysis-title">
      <h2 id="analysis-title">AI analysis</h2>
      <p>
        <StatusBadge lead={lead} showScored />
      </p>
      <Fields
        rows={[
          ['Score', lead.score],
          ['Qualification', lead.qualification],
          ['Reason', lead.qualificationReason],
          ['Model', lead.scoringModel],
        ]}
      />
      {failure && lead.processingStatus === 'failed' && (
        <div className="failure" role="group" aria-label="Failure">
          <h3>Why it failed</h3>
          <Fields
            rows={[
              ['Stage', failure.stage],
              ['Reason', failure.reason],
              ['Error code', failure.errorCode],
              ['Attempts', failure.attemptCount],
              ['Retryable', failure.retryable ? 'yes' : 'no'],
              ['Failed at', formatDateTime(failure.failedAt)],
            ]}
          />
          <button type="button" onClick={() => void retry()} disabled={requested}>
            {requested ? 'Retry requested…' : 'Retry analysis'}
          </button>
        </div>
      )}
      <ProblemAlert error={error} />
    </section>
  );
}

function Enrichment({ lead }: { lead: Lead }) {
  const enrichment = lead.enrichment;
  if (!enrichment) {
    return (
      <section className="card" aria-labelledby="enrichment-title">
        <h2 id="enrichment-title">Enrichment</h2>
        <p className="hint">{lead.processingStatus === 'received' ? 'Being enriched…' : 'No enrichment data.'}</p>
      </section>
    );
  }
  const geo = enrichment.geolocation;
  const location = geo ? [geo.city, geo.region, geo.countryCode].filter(Boolean).join(', ') : null;
  return (
    <section className="card" aria-labelledby="enrichment-title">
      <h2 id="enrichment-title">Enrichment</h2>
      <Fields
        rows={[
          ['Email class', enrichment.emailClass],
          ['Email domain', enrichment.email?.domain],
          ['Syntax valid', enrichment.email ? (enrichment.email.syntaxValid ? 'yes' : 'no') : null],
          ['MX', enrichment.email?.mxStatus],
          ['MX hosts', enrichment.email?.mxHosts?.join(', ')],
          ['Location', location],
          ['Located by', geo ? [geo.method, geo.provider].filter(Boolean).join(', ') : null],
          ['Company', enrichment.company?.name],
          ['Company domain', enrichment.company?.domain],
          ['Company confidence', enrichment.company?.confidence],
        ]}
      />
      {geo?.attribution && <p className="hint">{geo.attribution}</p>}
    </section>
  );
}

export function LeadPage({ leadId }: { leadId: string }) {
  const lead = useQuery(`lead:${leadId}`, () => api.leads.get(leadId), { pollMs: POLL_MS });
  const timeline = useQuery(`timeline:${leadId}`, () => api.leads.timeline(leadId), { pollMs: POLL_MS });
  const { pipelines } = usePipelines();
  if (lead.error && !lead.data) return <ProblemAlert error={lead.error} />;
  if (!lead.data) return <p className="loading">Loading the lead…</p>;
  const data = lead.data;
  const pipeline = pipelines.find((item) => item.id === data.pipelineId);
  const refresh = () => {
    lead.reload();
    timeline.reload();
  };
  const { customFields } = data;
  return (
    <div className="lead-page">
      <p>
        <Link to={pipeline ? `/?pipeline=${pipeline.id}` : '/'}>← Board</Link>
      </p>
      <div className="page-head lead-head">
        <div>
          <h1>{leadName(data)}</h1>
          <p className="lead-subtitle">
            {[data.companyName, data.email].filter(Boolean).join(' · ')} <QualificationBadge qualification={data.qualification} />
          </p>
        </div>
        <StagePicker lead={data} pipeline={pipeline} onMoved={refresh} />
      </div>
      <div className="lead-grid">
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          <Fields
            rows={[
              ['Email', data.email],
              ['First name', data.firstName],
              ['Last name', data.lastName],
              ['Phone', data.phone],
              ['Company', data.companyName],
              ['Job title', data.jobTitle],
              ['Website', data.website],
              ['Location', [data.city, data.region, data.country].filter(Boolean).join(', ')],
              ['Source', SOURCE_LABELS[data.source] ?? data.source],
              ['Created', formatDateTime(data.createdAt)],
              ['Updated', formatDateTime(data.updatedAt)],
            ]}
          />
          <h3>Custom fields</h3>
          {Object.keys(customFields).length === 0 ? <p className="hint">None.</p> : <Fields rows={Object.entries(customFields)} />}
        </section>
        <Analysis key={`${data.processingStatus}:${data.failure?.failedAt ?? ""}`} lead={data} onRetried={refresh} />
        <Enrichment lead={data} />
        <Timeline timeline={timeline.data} error={timeline.error} />
      </div>
    </div>
  );
}
