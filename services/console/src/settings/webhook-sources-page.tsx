import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { CopyButton } from '../shared/copy-button';
import { formatDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { SecretOnce } from '../shared/secret-once';
import { DeleteButton } from '../shared/delete-button';
import { useAction } from '../shared/use-action';
import { useQuery } from '../shared/use-query';

/** `contact.email = email` lines → `{"contact.email": "email"}`. */
function parseMapping(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.split('=').map((part) => part.trim()))
      .filter((parts) => parts.length === 2 && parts[0] && parts[1]),
  );
}

function signingExample(url: string): string {
  return `SECRET='whsec_…'   # the secret shown when the source was created
BODY='{"email":"ann@example.com","firstName":"Ann"}'
T=$(date +%s)
SIG=$(printf '%s.%s' "$T" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')
curl -X POST '${url}' \\
  -H 'content-type: application/json' \\
  -H "X-500Leads-Signature: t=$T,v1=$SIG" \\
  -d "$BODY"`;
}

export function WebhookSourcesPage() {
  const sources = useQuery('webhook-sources', api.webhookSources.list);
  const [name, setName] = useState('');
  const [mapping, setMapping] = useState('');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { error, busy, run } = useAction();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const fieldMapping = parseMapping(mapping);
      const source = await api.webhookSources.create({ name, ...(Object.keys(fieldMapping).length ? { fieldMapping } : {}) });
      setSecret({ label: `The signing secret of ${source.name}`, value: source.secret });
      setName('');
      setMapping('');
      sources.reload();
    });
  };
  const list = sources.data ?? [];
  return (
    <div>
      <h1>Webhook sources</h1>
      <p className="hint">
        Another system posts leads to a source's URL, signing each request with the source's secret:{' '}
        <code>X-500Leads-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.rawBody")&gt;</code>.
      </p>
      {secret && <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(null)} />}
      <form className="card editor" onSubmit={create} aria-labelledby="new-source-title">
        <h2 id="new-source-title">New source</h2>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Field mapping <span className="hint">(optional; one per line: their field = our field, e.g. contact.email = email)</span>
          <textarea rows={3} value={mapping} onChange={(event) => setMapping(event.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Create source
          </button>
        </div>
      </form>
      <ProblemAlert error={error ?? sources.error} />
      <ul className="list">
        {list.map((source) => (
          <li key={source.id} className="card">
            <div className="section-head">
              <h2>{source.name}</h2>
              <div className="actions">
                <button
                  type="button"
                  className="secondary small"
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      const rotated = await api.webhookSources.rotateSecret(source.id);
                      setSecret({ label: `The new signing secret of ${source.name} (the previous one works until ${formatDateTime(rotated.previousSecretValidUntil)})`, value: rotated.secret });
                    })
                  }
                >
                  Rotate secret
                </button>
                <DeleteButton run={run} busy={busy} remove={() => api.webhookSources.remove(source.id)} reload={sources.reload} />
              </div>
            </div>
            <p>
              URL: <code>{source.url}</code> <CopyButton value={source.url} />
            </p>
            {source.fieldMapping && Object.keys(source.fieldMapping).length > 0 && (
              <p>
                Mapping:{' '}
                {Object.entries(source.fieldMapping)
                  .map(([from, to]) => `${from} → ${to}`)
                  .join(', ')}
              </p>
            )}
            <details>
              <summary>Signing example</summary>
              <pre>
                <code>{signingExample(source.url)}</code>
              </pre>
            </details>
          </li>
        ))}
        {sources.data && list.length === 0 && <li className="hint">No webhook source yet.</li>}
      </ul>
    </div>
  );
}
