import { defineCounter, defineHistogram } from '@leads/observability';

/** Prometheus metrics of the notification service (served on /metrics with the messaging ones). */
export const notificationMetrics = {
  notificationsCreated: defineCounter({
    name: 'notification_notifications_created_total',
    help: 'In-app notifications created, by kind (a group of failed leads counts once).',
    labelNames: ['kind'],
  }),
  failedLeadsGrouped: defineCounter({
    name: 'notification_failed_leads_grouped_total',
    help: 'lead.failed events folded into notification groups, by whether the lead was new to its group (new) or already in it (repeat).',
    labelNames: ['result'],
  }),
  emails: defineCounter({
    name: 'notification_emails_total',
    help: 'Notification email attempts by outcome (sent, retry, failed, skipped).',
    labelNames: ['outcome'],
  }),
  webhookAttempts: defineCounter({
    name: 'notification_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, http_error, timeout, network_error, refused_target).',
    labelNames: ['outcome'],
  }),
  webhookDeliveries: defineCounter({
    name: 'notification_webhook_deliveries_total',
    help: 'Webhook deliveries that reached an end, by outcome (delivered, gave_up, subscription_disabled).',
    labelNames: ['outcome'],
  }),
  webhookDuration: defineHistogram({
    name: 'notification_webhook_attempt_duration_seconds',
    help: 'Duration of webhook requests, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  subscriptionsDisabled: defineCounter({
    name: 'notification_webhook_subscriptions_disabled_total',
    help: 'Webhook subscriptions disabled automatically after sustained failure.',
  }),
};
