import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { SOURCES, type LeadSource, type Sequence, type SequenceCriteria, type SequenceStatus, type SequenceStep } from '../api/types';
import { usePipelines } from '../pipelines/use-pipelines';
import { SOURCE_LABELS, formatDateTime, leadName } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { Link, navigate } from '../shared/router';
import { useAction } from '../shared/use-action';
import { useQuery } from '../shared/use-query';
import { DELAY_UNITS, SAMPLE_LEAD, delaySeconds, renderTemplate, splitDelay } from './template';

function describeDelay(seconds: number): string {
  if (seconds === 0) return 'at once';
  const { amount, unit } = splitDelay(seconds);
  return `after ${amount} ${amount === 1 ? unit.replace(/s$/, '') : unit}`;
}

export function SequencesPage() {
  const sequences = useQuery('sequences', api.sequences.list);
  return (
    <div>
      <div className="page-head">
        <h1>Sequences</h1>
        <Link to="/sequences/new" className="button">
          New sequence
        </Link>
      </div>
      <p className="hint">Hot and warm leads scored while a sequence is active, and matching its criteria, are enrolled and receive its emails.</p>
      <ProblemAlert error={sequences.error} />
      <ul className="list">
        {(sequences.data?.items ?? []).map((sequence) => (
          <li key={sequence.id} className="card list-row">
            <div>
              <Link to={`/sequences/${sequence.id}`}>
                <strong>{sequence.name}</strong>
              </Link>{' '}
              <span className={`tag tag-${sequence.status}`}>{sequence.status}</span>
              <p className="hint">
                {sequence.criteria.qualifications.join(' and ')} leads · {sequence.steps.length} step{sequence.steps.length === 1 ? '' : 's'}
              </p>
            </div>
          </li>
        ))}
        {sequences.data && sequences.data.items.length === 0 && <li className="hint">No sequence yet.</li>}
      </ul>
    </div>
  );
}

export function SequenceEditorPage({ sequenceId }: { sequenceId?: string }) {
  const sequence = useQuery(sequenceId ? `sequence:${sequenceId}` : null, () => api.sequences.get(sequenceId!));
  if (sequenceId && sequence.error) return <ProblemAlert error={sequence.error} />;
  if (sequenceId && !sequence.data) return <p className="loading">Loading…</p>;
  return <SequenceEditor key={`${sequence.data?.id}:${sequence.data?.version}`} sequence={sequence.data} onSaved={sequence.reload} />;
}

const NEW_STEP: SequenceStep = { delaySeconds: 0, subject: 'Hello {{firstName}}', body: 'Hi {{firstName}},\n\nThanks for your interest in us.\n' };

function SequenceEditor({ sequence, onSaved }: { sequence?: Sequence; onSaved(): void }) {
  const { pipelines } = usePipelines();
  const recentLeads = useQuery('preview-leads', () => api.leads.list({ limit: 20 }));
  const [name, setName] = useState(sequence?.name ?? '');
  const [status, setStatus] = useState<SequenceStatus>(sequence?.status ?? 'active');
  const [criteria, setCriteria] = useState<SequenceCriteria>(sequence?.criteria ?? { qualifications: ['hot'], pipelineIds: [], sources: [], minScore: null });
  const [steps, setSteps] = useState<SequenceStep[]>(sequence?.steps ?? [NEW_STEP]);
  const [previewLeadId, setPreviewLeadId] = useState('');
  const { error, busy, run } = useAction();
  const archived = sequence?.status === 'archived';

  const setStep = (index: number, changes: Partial<SequenceStep>) => setSteps(steps.map((step, at) => (at === index ? { ...step, ...changes } : step)));
  const toggle = <T,>(list: T[] | undefined, value: T, on: boolean) => (on ? [...(list ?? []), value] : (list ?? []).filter((item) => item !== value));

  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      if (sequence) {
        await api.sequences.update(sequence.id, { name, status, criteria, steps, version: sequence.version });
        onSaved();
      } else {
        const created = await api.sequences.create({ name, status: status === 'archived' ? 'paused' : status, criteria, steps });
        navigate(`/sequences/${created.id}`, { replace: true });
      }
    });
  };

  const previewLead = recentLeads.data?.items.find((lead) => lead.id === previewLeadId) ?? SAMPLE_LEAD;
  return (
    <div>
      <p>
        <Link to="/sequences">← Sequences</Link>
      </p>
      <h1>{sequence ? sequence.name : 'New sequence'}</h1>
      <form className="card editor" onSubmit={save} aria-label="Sequence">
        <fieldset className="plain" disabled={archived}>
          <label>
            Name
            <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
          </label>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.target.value as SequenceStatus)}>
              <option value="active">Active: enrols leads and sends</option>
              <option value="paused">Paused</option>
              {sequence && <option value="archived">Archived (final: enrolments stop)</option>}
            </select>
          </label>
          <fieldset>
            <legend>Who is enrolled</legend>
            {(['hot', 'warm'] as const).map((qualification) => (
              <label key={qualification} className="checkbox">
                <input
                  type="checkbox"
                  checked={criteria.qualifications.includes(qualification)}
                  onChange={(event) => setCriteria({ ...criteria, qualifications: toggle(criteria.qualifications, qualification, event.target.checked) })}
                />
                {qualification} leads
              </label>
            ))}
            <label>
              Minimum score <span className="hint">(optional)</span>
              <input
                type="number"
                min={0}
                max={100}
                value={criteria.minScore ?? ''}
                onChange={(event) => setCriteria({ ...criteria, minScore: event.target.value === '' ? null : Number(event.target.value) })}
              />
            </label>
            <div className="checkbox-group" role="group" aria-label="Sources (none: any)">
              <span>Sources (none checked: any)</span>
              {SOURCES.map((source) => (
                <label key={source} className="checkbox">
                  <input
                    type="checkbox"
                    checked={criteria.sources?.includes(source) ?? false}
                    onChange={(event) => setCriteria({ ...criteria, sources: toggle<LeadSource>(criteria.sources, source, event.target.checked) })}
                  />
                  {SOURCE_LABELS[source]}
                </label>
              ))}
            </div>
            <div className="checkbox-group" role="group" aria-label="Pipelines (none: any)">
              <span>Pipelines (none checked: any)</span>
              {pipelines.map((pipeline) => (
                <label key={pipeline.id} className="checkbox">
                  <input
                    type="checkbox"
                    checked={criteria.pipelineIds?.includes(pipeline.id) ?? false}
                    onChange={(event) => setCriteria({ ...criteria, pipelineIds: toggle(criteria.pipelineIds, pipeline.id, event.target.checked) })}
                  />
                  {pipeline.name}
                </label>
              ))}
            </div>
          </fieldset>
          <h2>Steps</h2>
          <p className="hint">
            Templates: <code>{'{{firstName}}'}</code> <code>{'{{lastName}}'}</code> <code>{'{{email}}'}</code> <code>{'{{companyName}}'}</code>{' '}
            <code>{'{{customFields.<name>}}'}</code>. Every email ends with an unsubscribe link.
          </p>
          <label>
            Preview with
            <select value={previewLeadId} onChange={(event) => setPreviewLeadId(event.target.value)}>
              <option value="">A sample lead (Ada Lovelace)</option>
              {(recentLeads.data?.items ?? []).map((lead) => (
                <option key={lead.id} value={lead.id}>
                  {leadName(lead)}
                </option>
              ))}
            </select>
          </label>
          <ol className="steps">
            {steps.map((step, index) => {
              const delay = splitDelay(step.delaySeconds);
              return (
                <li key={index} className="step">
                  <div className="step-edit">
                    <h3>Step {index + 1}</h3>
                    <div className="inline-form">
                      <label>
                        Wait
                        <input
                          type="number"
                          min={0}
                          value={delay.amount}
                          onChange={(event) => setStep(index, { delaySeconds: delaySeconds(Number(event.target.value), delay.unit) })}
                        />
                      </label>
                      <label>
                        <span className="sr-only">Unit of step {index + 1}'s wait</span>
                        <select value={delay.unit} onChange={(event) => setStep(index, { delaySeconds: delaySeconds(delay.amount, event.target.value) })}>
                          {DELAY_UNITS.map((unit) => (
                            <option key={unit} value={unit}>
                              {unit}
                            </option>
                          ))}
                        </select>
                      </label>
                      <span className="hint">{index === 0 ? 'after enrolment' : 'after the previous step'}</span>
                    </div>
                    <label>
                      Subject
                      <input required maxLength={200} value={step.subject} onChange={(event) => setStep(index, { subject: event.target.value })} />
                    </label>
                    <label>
                      Body
                      <textarea required rows={6} maxLength={20000} value={step.body} onChange={(event) => setStep(index, { body: event.target.value })} />
                    </label>
                    <button type="button" className="secondary small" disabled={steps.length === 1} onClick={() => setSteps(steps.filter((_, at) => at !== index))}>
                      Remove step {index + 1}
                    </button>
                  </div>
                  <div className="preview" aria-label={`Preview of step ${index + 1}`} role="group">
                    <p className="hint">Preview ({describeDelay(step.delaySeconds)})</p>
                    <p>
                      <strong>{renderTemplate(step.subject, previewLead)}</strong>
                    </p>
                    <pre>{renderTemplate(step.body, previewLead)}</pre>
                  </div>
                </li>
              );
            })}
          </ol>
          <button type="button" className="secondary" disabled={steps.length >= 20} onClick={() => setSteps([...steps, { ...NEW_STEP, delaySeconds: 2 * 86400 }])}>
            Add a step
          </button>
        </fieldset>
        <ProblemAlert error={error} />
        <div className="actions">
          {!archived && (
            <button type="submit" disabled={busy}>
              {sequence ? 'Save sequence' : 'Create sequence'}
            </button>
          )}
          {sequence && (
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await api.sequences.remove(sequence.id);
                  navigate('/sequences');
                })
              }
            >
              Delete sequence
            </button>
          )}
        </div>
      </form>
      {sequence && <Enrollments sequenceId={sequence.id} />}
    </div>
  );
}

function Enrollments({ sequenceId }: { sequenceId: string }) {
  const enrollments = useQuery(`enrollments:${sequenceId}`, () => api.sequences.enrollments(sequenceId), { pollMs: 5000 });
  const items = enrollments.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="enrollments-title">
      <h2 id="enrollments-title">Enrolments</h2>
      <ProblemAlert error={enrollments.error} />
      {enrollments.data && items.length === 0 && <p className="hint">No lead enrolled yet.</p>}
      {items.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Lead</th>
              <th scope="col">Status</th>
              <th scope="col">Steps done</th>
              <th scope="col">Next email</th>
              <th scope="col">Stopped because</th>
            </tr>
          </thead>
          <tbody>
            {items.map((enrollment) => (
              <tr key={enrollment.leadId}>
                <td>
                  <Link to={`/leads/${enrollment.leadId}`}>{enrollment.email}</Link>
                </td>
                <td>{enrollment.status}</td>
                <td>{enrollment.currentStep}</td>
                <td>{formatDateTime(enrollment.nextRunAt)}</td>
                <td>{enrollment.stopReason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
