import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { CopyButton } from '../shared/copy-button';
import { ProblemAlert } from '../shared/problem-alert';
import { DeleteButton } from '../shared/delete-button';
import { useAction } from '../shared/use-action';
import { useQuery } from '../shared/use-query';

function Snippet({ formId }: { formId: string }) {
  const snippet = useQuery(`snippet:${formId}`, () => api.forms.snippet(formId));
  if (snippet.error) return <ProblemAlert error={snippet.error} />;
  if (!snippet.data) return <p className="loading">Loading the snippet…</p>;
  return (
    <div>
      <p>
        Paste this HTML where the form should appear: <CopyButton value={snippet.data} label="Copy the snippet" />
      </p>
      <pre className="snippet">
        <code>{snippet.data}</code>
      </pre>
    </div>
  );
}

export function FormsPage() {
  const forms = useQuery('forms', api.forms.list);
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [redirectUrl, setRedirectUrl] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const allowedOrigins = origins
        .split(/[\s,]+/)
        .map((origin) => origin.trim())
        .filter(Boolean);
      const form = await api.forms.create({ name, allowedOrigins, ...(redirectUrl ? { redirectUrl } : {}) });
      setName('');
      setOrigins('');
      setRedirectUrl('');
      setOpen(form.id);
      forms.reload();
    });
  };
  return (
    <div>
      <h1>Forms</h1>
      <p className="hint">A web form on your site posts leads straight to 500 Leads, from the sites you allow. Bots are filtered by a honeypot and the fill time.</p>
      <form className="card editor" onSubmit={create} aria-labelledby="new-form-title">
        <h2 id="new-form-title">New form</h2>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Allowed origins <span className="hint">(the sites that host it, e.g. https://example.com; separate with spaces)</span>
          <input required value={origins} onChange={(event) => setOrigins(event.target.value)} />
        </label>
        <label>
          Redirect after posting <span className="hint">(optional)</span>
          <input type="url" value={redirectUrl} onChange={(event) => setRedirectUrl(event.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Create form
          </button>
        </div>
      </form>
      <ProblemAlert error={error ?? forms.error} />
      <ul className="list">
        {(forms.data ?? []).map((form) => (
          <li key={form.id} className="card">
            <div className="section-head">
              <h2>{form.name}</h2>
              <div className="actions">
                <button type="button" className="secondary small" aria-expanded={open === form.id} onClick={() => setOpen(open === form.id ? null : form.id)}>
                  {open === form.id ? 'Hide snippet' : 'Show snippet'}
                </button>
                <DeleteButton run={run} busy={busy} remove={() => api.forms.remove(form.id)} reload={forms.reload} />
              </div>
            </div>
            <p>
              Posts to <code>{form.url}</code> from {form.allowedOrigins.join(', ')}
              {form.redirectUrl ? `, then goes to ${form.redirectUrl}` : ''}.
            </p>
            {open === form.id && <Snippet formId={form.id} />}
          </li>
        ))}
        {forms.data && forms.data.length === 0 && <li className="hint">No form yet.</li>}
      </ul>
    </div>
  );
}
