import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../api/client';
import type { Pipeline } from '../api/types';
import { ProblemAlert } from '../shared/problem-alert';
import { Link, navigate } from '../shared/router';
import { StageList, newStage, type EditedStage } from './stage-list';
import { usePipelines } from './use-pipelines';

const TEMPLATE = () => [
  newStage('New', '#3b82f6'),
  newStage('Contacted', '#eab308'),
  newStage('Qualified', '#8b5cf6'),
  newStage('Won', '#22c55e', 'win'),
  newStage('Lost', '#6b7280', 'lost'),
];

export function PipelinesPage() {
  const { pipelines, error, loading } = usePipelines();
  return (
    <div>
      <div className="page-head">
        <h1>Pipelines</h1>
        <Link to="/settings/pipelines/new" className="button">
          New pipeline
        </Link>
      </div>
      <ProblemAlert error={error} />
      {loading && <p className="loading">Loading…</p>}
      <ul className="list">
        {pipelines.map((pipeline) => (
          <li key={pipeline.id} className="card list-row">
            <div>
              <Link to={`/settings/pipelines/${pipeline.id}`}>
                <strong>{pipeline.name}</strong>
              </Link>
              {pipeline.isDefault && <span className="tag">default</span>}
              <div className="stage-chips" aria-label={`Stages of ${pipeline.name}`}>
                {pipeline.stages.map((stage) => (
                  <span key={stage.id} className="stage-chip">
                    <span className="stage-dot" style={{ background: stage.color }} aria-hidden="true" />
                    {stage.name}
                    {stage.kind !== 'open' && <em> ({stage.kind})</em>}
                  </span>
                ))}
              </div>
            </div>
            <Link to={`/?pipeline=${pipeline.id}`}>Open board</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Creates a pipeline (`pipelineId` undefined) or edits one: name, stages, order, colours, Win and Lost. */
export function PipelineEditorPage({ pipelineId }: { pipelineId?: string }) {
  const { pipelines, loading } = usePipelines();
  const pipeline = pipelines.find((item) => item.id === pipelineId);
  if (pipelineId && loading) return <p className="loading">Loading…</p>;
  if (pipelineId && !pipeline) return <p>That pipeline does not exist.</p>;
  return <PipelineEditor key={pipeline?.id ?? 'new'} pipeline={pipeline} pipelines={pipelines} />;
}

function PipelineEditor({ pipeline, pipelines }: { pipeline?: Pipeline; pipelines: Pipeline[] }) {
  const [name, setName] = useState(pipeline?.name ?? '');
  const [stages, setStages] = useState<EditedStage[]>(() =>
    pipeline ? pipeline.stages.map((stage) => ({ key: stage.id, id: stage.id, name: stage.name, color: stage.color, kind: stage.kind })) : TEMPLATE(),
  );
  /** Saved stages removed in this edit, and where their leads go. */
  const [removed, setRemoved] = useState<Array<{ stage: EditedStage; moveTo: string }>>([]);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [deleteTarget, setDeleteTarget] = useState('');

  const keptSaved = stages.filter((stage) => stage.id);
  const onRemove = (stage: EditedStage) => {
    setStages(stages.filter((item) => item.key !== stage.key));
    if (stage.id) setRemoved([...removed, { stage, moveTo: keptSaved.find((item) => item.key !== stage.key)?.id ?? '' }]);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = { name, stages: stages.map(({ id, name: stageName, color, kind }) => ({ ...(id ? { id } : {}), name: stageName, color, kind })) };
    try {
      if (pipeline) {
        const moveLeadsTo = Object.fromEntries(removed.map((item) => [item.stage.id!, item.moveTo]));
        await api.pipelines.update(pipeline.id, { ...body, version: pipeline.version, ...(removed.length ? { moveLeadsTo } : {}) });
      } else {
        await api.pipelines.create(body);
      }
      navigate(`/settings/pipelines`);
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!pipeline) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.pipelines.remove(pipeline.id, deleteTarget || undefined);
      navigate('/settings/pipelines');
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };

  return (
    <div>
      <p>
        <Link to="/settings/pipelines">← Pipelines</Link>
      </p>
      <h1>{pipeline ? `Edit ${pipeline.name}` : 'New pipeline'}</h1>
      <form className="card editor" onSubmit={save} aria-label="Pipeline">
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <h2>Stages</h2>
        <p className="hint">Exactly one Win and one Lost stage; leads enter at the first open stage. Drag rows, or use the arrows, to reorder.</p>
        <StageList stages={stages} onChange={setStages} onRemove={onRemove} />
        <button type="button" className="secondary" onClick={() => setStages([...stages, newStage('')])}>
          Add a stage
        </button>
        {removed.length > 0 && (
          <fieldset>
            <legend>Removed stages: where their leads go</legend>
            {removed.map((item, index) => (
              <label key={item.stage.key}>
                {item.stage.name}
                <select
                  value={item.moveTo}
                  onChange={(event) => setRemoved(removed.map((entry, at) => (at === index ? { ...entry, moveTo: event.target.value } : entry)))}
                >
                  {keptSaved.map((stage) => (
                    <option key={stage.key} value={stage.id}>
                      {stage.name}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </fieldset>
        )}
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {pipeline ? 'Save pipeline' : 'Create pipeline'}
          </button>
        </div>
      </form>
      {pipeline && !pipeline.isDefault && (
        <section className="card danger-zone" aria-labelledby="delete-title">
          <h2 id="delete-title">Delete this pipeline</h2>
          <label>
            Move its leads to
            <select value={deleteTarget} onChange={(event) => setDeleteTarget(event.target.value)}>
              <option value="">(it has no leads)</option>
              {pipelines
                .filter((item) => item.id !== pipeline.id)
                .map((item) => (
                  <option key={item.id} value={item.id}>
                    {item.name}
                  </option>
                ))}
            </select>
          </label>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
            Delete pipeline
          </button>
        </section>
      )}
    </div>
  );
}
