import type { Notification } from '../api/types';
import { formatDateTime } from '../shared/format';
import { Link } from '../shared/router';

interface FailedLeadDetail {
  leadId: string;
  reason: string;
  errorCode: string;
}

export function NotificationItem({ notification, onRead, onRetryAll }: { notification: Notification; onRead?(): void; onRetryAll?(): void }) {
  const leads = notification.kind === 'leads_failed' ? ((notification.details.leads as FailedLeadDetail[] | undefined) ?? []) : [];
  return (
    <article className={`notification${notification.readAt ? '' : ' notification-unread'}`} aria-label={notification.title}>
      <header>
        <strong>{notification.title}</strong> <time dateTime={notification.updatedAt}>{formatDateTime(notification.updatedAt)}</time>
      </header>
      <p>{notification.body}</p>
      {leads.length > 0 && (
        <ul className="inline-list">
          {leads.map((lead, index) => (
            <li key={lead.leadId}>
              <Link to={`/leads/${lead.leadId}`} title={lead.reason}>
                Failed lead {index + 1}
              </Link>{' '}
              <span className="hint">({lead.errorCode})</span>
            </li>
          ))}
          {notification.count > leads.length && <li>…and {notification.count - leads.length} more</li>}
        </ul>
      )}
      <div className="actions">
        {notification.kind === 'leads_failed' && onRetryAll && (
          <button type="button" className="small" onClick={onRetryAll}>
            Retry all failed leads
          </button>
        )}
        {notification.kind === 'webhook_disabled' && <Link to="/settings/outbound-webhooks">Outbound webhooks</Link>}
        {!notification.readAt && onRead && (
          <button type="button" className="secondary small" onClick={onRead}>
            Mark read
          </button>
        )}
      </div>
    </article>
  );
}
