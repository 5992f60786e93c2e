import { defineCounter, defineGauge, defineHistogram } from '@leads/observability';

/** Prometheus metrics of the analysis pipeline (served on /metrics with the messaging ones). */
export const scoringMetrics = {
  attempts: defineCounter({
    name: 'scoring_model_attempts_total',
    help: 'Analysis attempts by outcome (success, rate_limited, timeout, unavailable, malformed, ...).',
    labelNames: ['outcome'],
  }),
  attemptDuration: defineHistogram({
    name: 'scoring_model_call_duration_seconds',
    help: 'Duration of model calls.',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60],
  }),
  tokens: defineCounter({
    name: 'scoring_model_tokens_total',
    help: 'Tokens reported by the model server, by direction (input, output).',
    labelNames: ['direction'],
  }),
  estimatedCost: defineCounter({
    name: 'scoring_model_estimated_cost_usd_total',
    help: 'Estimated spend on the model, in US dollars: tokens reported × SCORING_PRICE_*_PER_MTOK_USD.',
  }),
  analyses: defineCounter({
    name: 'scoring_analyses_total',
    help: 'Finished analyses by result (scored, failed) and error code.',
    labelNames: ['result', 'error_code'],
  }),
  inFlight: defineGauge({
    name: 'scoring_jobs_in_flight',
    help: 'Analysis jobs this replica is running now.',
  }),
};
