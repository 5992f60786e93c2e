import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { EVENT_TYPES, type WebhookSubscription } from '../api/types';
import { formatDateTime } from '../shared/format';
import { ProblemAlert } from '../shared/problem-alert';
import { SecretOnce } from '../shared/secret-once';
import { DeleteButton } from '../shared/delete-button';
import { useAction } from '../shared/use-action';
import { useQuery } from '../shared/use-query';

function Deliveries({ subscription }: { subscription: WebhookSubscription }) {
  const deliveries = useQuery(`deliveries:${subscription.id}`, () => api.webhookSubscriptions.deliveries(subscription.id), { pollMs: 5000 });
  const { error, busy, run } = useAction();
  const items = deliveries.data?.items ?? [];
  return (
    <div>
      <ProblemAlert error={error ?? deliveries.error} />
      {deliveries.data && items.length === 0 && <p className="hint">Nothing delivered yet.</p>}
      {items.length > 0 && (
        <table className="data-table" aria-label={`Deliveries to ${subscription.url}`}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Last attempt</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.eventType}</td>
                <td className={delivery.status === 'failed' ? 'error-text' : undefined}>{delivery.status}</td>
                <td>{delivery.attemptCount}</td>
                <td>
                  {delivery.lastStatusCode ?? ''} {delivery.lastError ?? ''}
                  {delivery.lastDurationMs !== null ? ` (${delivery.lastDurationMs} ms)` : ''}
                </td>
                <td>{formatDateTime(delivery.lastAttemptAt)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary small"
                    disabled={busy || subscription.status === 'disabled'}
                    onClick={() =>
                      void run(async () => {
                        await api.webhookSubscriptions.redeliver(delivery.id);
                        deliveries.reload();
                      })
                    }
                  >
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function OutboundWebhooksPage() {
  const subscriptions = useQuery('webhook-subscriptions', api.webhookSubscriptions.list, { pollMs: 10000 });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['lead.scored', 'lead.failed']);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const created = await api.webhookSubscriptions.create({ url, events });
      setSecret(created.secret);
      setUrl('');
      subscriptions.reload();
    });
  };
  const toggle = (type: string, checked: boolean) => setEvents(checked ? [...events, type] : events.filter((item) => item !== type));
  return (
    <div>
      <h1>Outbound webhooks</h1>
      <p className="hint">
        500 Leads posts lead events to your URL, signed with <code>X-500Leads-Signature</code> like incoming webhooks, and retries for 24 hours.
      </p>
      {secret && <SecretOnce label="The signing secret of the new subscription" value={secret} onDone={() => setSecret(null)} />}
      <form className="card editor" onSubmit={create} aria-labelledby="new-subscription-title">
        <h2 id="new-subscription-title">New subscription</h2>
        <label>
          URL
          <input type="url" required value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://example.com/hooks/500leads" />
        </label>
        <fieldset>
          <legend>Events</legend>
          {EVENT_TYPES.map((type) => (
            <label key={type} className="checkbox">
              <input type="checkbox" checked={events.includes(type)} onChange={(event) => toggle(type, event.target.checked)} />
              {type}
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={busy || events.length === 0}>
            Subscribe
          </button>
        </div>
      </form>
      <ProblemAlert error={error ?? subscriptions.error} />
      <ul className="list">
        {(subscriptions.data?.items ?? []).map((subscription) => (
          <li key={subscription.id} className="card">
            <div className="section-head">
              <h2>
                <code>{subscription.url}</code>
              </h2>
              <div className="actions">
                {subscription.status === 'disabled' && (
                  <button
                    type="button"
                    className="small"
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        await api.webhookSubscriptions.enable(subscription.id);
                        subscriptions.reload();
                      })
                    }
                  >
                    Enable
                  </button>
                )}
                <button
                  type="button"
                  className="secondary small"
                  aria-expanded={open === subscription.id}
                  onClick={() => setOpen(open === subscription.id ? null : subscription.id)}
                >
                  {open === subscription.id ? 'Hide deliveries' : 'Deliveries'}
                </button>
                <DeleteButton run={run} busy={busy} remove={() => api.webhookSubscriptions.remove(subscription.id)} reload={subscriptions.reload} />
              </div>
            </div>
            <p>
              {subscription.status === 'active' ? 'Active' : `Disabled ${formatDateTime(subscription.disabledAt)}: ${subscription.disabledReason ?? ''}`}
              {subscription.consecutiveFailures > 0 && ` · ${subscription.consecutiveFailures} failures in a row since ${formatDateTime(subscription.failingSince)}`}
              {' · '}
              {subscription.events.join(', ')}
            </p>
            {open === subscription.id && <Deliveries subscription={subscription} />}
          </li>
        ))}
        {subscriptions.data && subscriptions.data.items.length === 0 && <li className="hint">No subscription yet.</li>}
      </ul>
    </div>
  );
}
