import { api } from '../api/client';
import { useQuery } from '../shared/use-query';

/** The feed and its unread count, read again every few seconds while the page is visible. */
export function useNotifications() {
  return useQuery('notifications', api.notifications.list, { pollMs: 5000 });
}
