import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { formatDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { SecretOnce } from '../shared/secret-once';
import { useAction } from '../shared/use-action';
import { useQuery } from '../shared/use-query';

export function ApiKeysPage() {
  const keys = useQuery('api-keys', api.apiKeys.list);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const key = await api.apiKeys.create(name);
      setCreated(key.key);
      setName('');
      keys.reload();
    });
  };
  const revoke = (id: string) =>
    void run(async () => {
      await api.apiKeys.revoke(id);
      keys.reload();
    });
  return (
    <div>
      <h1>API keys</h1>
      <p className="hint">
        Clients send <code>Authorization: Bearer &lt;key&gt;</code>. A key is shown once, when it is created; only its hash is stored.
      </p>
      {created && <SecretOnce label="The new API key" value={created} onDone={() => setCreated(null)} />}
      <form className="inline-form" onSubmit={create}>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. Website backend" />
        </label>
        <button type="submit" disabled={busy}>
          Create key
        </button>
      </form>
      <ProblemAlert error={error ?? keys.error} />
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>l5_{key.prefix}_…</code>
              </td>
              <td>{formatDateTime(key.createdAt)}</td>
              <td>{formatDateTime(key.lastUsedAt)}</td>
              <td>{key.revokedAt ? `Revoked ${formatDateTime(key.revokedAt)}` : 'Active'}</td>
              <td>
                {!key.revokedAt && (
                  <button type="button" className="danger small" disabled={busy} onClick={() => revoke(key.id)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
