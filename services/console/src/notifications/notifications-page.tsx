import { useState } from 'react';
import { api } from '../api/client';
import { ProblemAlert } from '../shared/problem-alert';
import { useAction } from '../shared/use-action';
import { NotificationItem } from './notification-item';
import { useNotifications } from './use-notifications';

export function NotificationsPage() {
  const feed = useNotifications();
  const { error, run } = useAction();
  const [message, setMessage] = useState('');
  const items = feed.data?.items ?? [];
  return (
    <div>
      <div className="page-head">
        <h1>Notifications</h1>
        <button
          type="button"
          className="secondary"
          disabled={!feed.data?.unread}
          onClick={() =>
            void run(async () => {
              await api.notifications.readAll();
              feed.reload();
            })
          }
        >
          Mark all read
        </button>
      </div>
      <ProblemAlert error={error ?? feed.error} />
      <p role="status">{message}</p>
      {feed.data && items.length === 0 && <p className="hint">No notifications: nothing has failed.</p>}
      <div className="list">
        {items.map((notification) => (
          <NotificationItem
            key={notification.id}
            notification={notification}
            onRead={() =>
              void run(async () => {
                await api.notifications.read(notification.id);
                feed.reload();
              })
            }
            onRetryAll={() =>
              void run(async () => {
                const { requested } = await api.leads.retryFailed();
                setMessage(`${requested} failed leads were sent for a new analysis.`);
              })
            }
          />
        ))}
      </div>
    </div>
  );
}
