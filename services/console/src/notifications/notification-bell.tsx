import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { Link } from '../shared/router';
import { NotificationItem } from './notification-item';
import { useNotifications } from './use-notifications';

/** The bell in the top bar: the unread count, and the latest notifications on click. */
export function NotificationBell() {
  const feed = useNotifications();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const unread = feed.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !panel.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  return (
    <div className="menu-anchor" ref={panel}>
      <button
        type="button"
        className="bell"
        aria-expanded={open}
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => setOpen((value) => !value)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="unread-count">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div className="menu notifications-panel" role="dialog" aria-label="Latest notifications">
          {(feed.data?.items ?? []).slice(0, 5).map((notification) => (
            <NotificationItem
              key={notification.id}
              notification={notification}
              onRead={() => void api.notifications.read(notification.id).then(feed.reload)}
            />
          ))}
          {feed.data?.items.length === 0 && <p className="hint">No notifications.</p>}
          <Link to="/notifications" onClick={() => setOpen(false)}>
            All notifications
          </Link>
        </div>
      )}
    </div>
  );
}
