import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../api/client';
import type { ImportJob } from '../api/types';
import { usePipelines } from '../pipelines/use-pipelines';
import { formatDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { Link, navigate, useLocation, withQuery } from '../shared/router';
import { useQuery } from '../shared/use-query';
import { readHeader } from './csv-header';

/** What a column can be mapped to: its own name (a standard field when recognised, else a custom field), a standard field, or nothing. */
const TARGETS: Array<[string, string]> = [
  ['', 'As named (recognised, or a custom field)'],
  ['email', 'Email'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['name', 'Full name (split in two)'],
  ['phone', 'Phone'],
  ['companyName', 'Company'],
  ['jobTitle', 'Job title'],
  ['website', 'Website'],
  ['country', 'Country'],
  ['region', 'Region'],
  ['city', 'City'],
  ['ignore', 'Ignore this column'],
];

const DONE = new Set(['completed', 'failed', 'cancelled']);

function UploadForm({ onUploaded }: { onUploaded(id: string): void }) {
  const { pipelines } = usePipelines();
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [pipelineId, setPipelineId] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setMapping({});
    setHeader(chosen ? await readHeader(chosen) : []);
  };

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      const chosenMapping = Object.fromEntries(Object.entries(mapping).filter(([, target]) => target));
      const { id } = await api.imports.upload(file, chosenMapping, pipelineId || undefined);
      onUploaded(id);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card editor" onSubmit={upload} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a CSV file</h2>
      <p className="hint">A header row, one lead per row, an email column; up to 50 MB and 200,000 rows. The same email updates the same lead.</p>
      <label>
        CSV file
        <input type="file" accept=".csv,text/csv" required onChange={(event) => void choose(event.target.files?.[0] ?? null)} />
      </label>
      <label>
        Pipeline
        <select value={pipelineId} onChange={(event) => setPipelineId(event.target.value)}>
          <option value="">The default pipeline</option>
          {pipelines.map((pipeline) => (
            <option key={pipeline.id} value={pipeline.id}>
              {pipeline.name}
            </option>
          ))}
        </select>
      </label>
      {header.length > 0 && (
        <table className="mapping-table">
          <caption>Map the columns</caption>
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Goes to</th>
            </tr>
          </thead>
          <tbody>
            {header.map((column) => (
              <tr key={column}>
                <th scope="row">{column}</th>
                <td>
                  <select
                    aria-label={`Field for column ${column}`}
                    value={mapping[column] ?? ''}
                    onChange={(event) => setMapping({ ...mapping, [column]: event.target.value })}
                  >
                    {TARGETS.map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ProblemAlert error={error} />
      <div className="actions">
        <button type="submit" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Import'}
        </button>
      </div>
    </form>
  );
}

function ImportProgress({ importId }: { importId: string }) {
  const job = useQuery(`import:${importId}`, () => api.imports.get(importId), { pollMs: 1000, done: (data) => DONE.has(data.status) });
  const [error, setError] = useState<ApiError>();
  const data = job.data;
  if (!data) return <ProblemAlert error={job.error} />;
  const cancel = async () => {
    try {
      await api.imports.cancel(importId);
      job.reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  return (
    <section className="card" aria-labelledby="progress-title">
      <h2 id="progress-title">
        {data.fileName}: <span data-testid="import-status">{data.status}</span>
      </h2>
      <progress max={Math.max(1, data.rowsTotal)} value={data.rowsRead} aria-label="Rows imported">
        {data.rowsRead} of {data.rowsTotal}
      </progress>
      <p>
        {data.rowsRead} of {data.rowsTotal} rows read: {data.created} created, {data.updated} updated, {data.failed} not imported.
      </p>
      {data.failure && <p className="error-text">{data.failure}</p>}
      {!DONE.has(data.status) && (
        <button type="button" className="secondary" onClick={() => void cancel()}>
          Cancel import
        </button>
      )}
      <ProblemAlert error={error} />
      <ColumnsAndErrors job={data} />
    </section>
  );
}

function ColumnsAndErrors({ job }: { job: ImportJob }) {
  return (
    <>
      <h3>Columns</h3>
      <ul className="inline-list">
        {job.columns.map((column) => (
          <li key={column.name}>
            {column.name} → <code>{column.field}</code>
          </li>
        ))}
      </ul>
      {job.failed > 0 && (
        <>
          <h3>Rows not imported</h3>
          <table className="errors-table">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {(job.errors ?? []).map((row) => (
                <tr key={`${row.row}:${row.field}`}>
                  <td>{row.row}</td>
                  <td>{row.field}</td>
                  <td>{row.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <a href={api.imports.errorsUrl(job.id)} download>
            Download the error report (CSV)
          </a>
        </>
      )}
    </>
  );
}

export function ImportsPage() {
  const location = useLocation();
  const current = location.query.get('import');
  const recent = useQuery(`imports:${current ?? ''}`, api.imports.list, { pollMs: 3000 });
  return (
    <div>
      <div className="page-head">
        <h1>Imports</h1>
      </div>
      <div className="two-columns">
        <div>
          <UploadForm onUploaded={(id) => navigate(withQuery(location, { import: id }))} />
          {current && <ImportProgress key={current} importId={current} />}
        </div>
        <section className="card" aria-labelledby="recent-title">
          <h2 id="recent-title">Recent imports</h2>
          <ProblemAlert error={recent.error} />
          <ul className="list">
            {(recent.data?.items ?? []).map((job) => (
              <li key={job.id}>
                <Link to={withQuery(location, { import: job.id })}>{job.fileName}</Link> — {job.status}, {job.rowsRead}/{job.rowsTotal} rows,{' '}
                {formatDateTime(job.createdAt)}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
