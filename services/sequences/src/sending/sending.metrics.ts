import { defineCounter, defineGauge, defineHistogram } from '@leads/observability';

/** Prometheus metrics of the scheduler (served on /metrics with the messaging ones). */
export const sendingMetrics = {
  emails: defineCounter({
    name: 'sequences_emails_total',
    help: 'Step emails by outcome: sent, retrying (transient SMTP failure, tried again later), failed (refused for good or out of attempts), unknown (the replica sending it stopped mid-way; not sent again).',
    labelNames: ['outcome'],
  }),
  smtpDuration: defineHistogram({
    name: 'sequences_smtp_send_duration_seconds',
    help: 'Duration of SMTP sends, by result (accepted, refused).',
    labelNames: ['result'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 30],
  }),
  inFlight: defineGauge({
    name: 'sequences_sends_in_flight',
    help: 'Step emails this replica is sending now.',
  }),
};
