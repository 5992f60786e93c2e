import { decimalSetting, integerSetting } from '@leads/config';
import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

export const SCORING_APIS = ['chat-completions', 'responses'] as const;
export type ScoringApi = (typeof SCORING_APIS)[number];

export const scoringSettings = {
  /**
   * The key of the OpenAI-compatible server. Unset: every analysis fails visibly
   * (`lead.failed`, error code `llm_not_configured`); there is no rule-based fallback.
   */
  OPENAI_API_KEY: z.string().optional(),
  /** Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LiteLLM, the dev model): e.g. `http://127.0.0.1:3009/v1`. Default: OpenAI. */
  OPENAI_BASE_URL: z.url().optional(),
  /** The model asked for; the model that answered is what a score records. */
  SCORING_MODEL: z.string().min(1).default('gpt-4.1-mini'),
  /** Which endpoint: `chat-completions` (every compatible server has it) or `responses`. */
  SCORING_API: z.enum(SCORING_APIS, { error: `must be one of ${SCORING_APIS.join(', ')}` }).default('chat-completions'),
  /** Sampling temperature sent with each call; unset sends none (some reasoning models refuse one). */
  SCORING_TEMPERATURE: decimalSetting(0, 2).optional(),
  /** Upper bound on the reply's tokens (`max_completion_tokens` / `max_output_tokens`). */
  SCORING_MAX_OUTPUT_TOKENS: integerSetting(16, 100_000).default(1024),
  /** Model calls one replica runs at the same time (its worker pool). 0: this replica only records jobs. */
  SCORING_CONCURRENCY: integerSetting(0, 1024).default(8),
  /** Model calls one replica starts per minute at most (a token bucket; bursts up to the concurrency). */
  SCORING_REQUESTS_PER_MINUTE: integerSetting(1, 10_000_000).default(500),
  /** Per call: the SDK aborts a call that has not answered by then (a `timeout` attempt). */
  SCORING_TIMEOUT_MS: integerSetting(100, 600_000).default(30_000),
  /**
   * The model's price per million input and output tokens, in US dollars, for the
   * `scoring_model_estimated_cost_usd_total` metric. The defaults are gpt-4.1-mini's list prices
   * (November 2026); set them for another model (0 for a local one).
   */
  SCORING_PRICE_INPUT_PER_MTOK_USD: decimalSetting(0, 10_000).default(0.4),
  SCORING_PRICE_OUTPUT_PER_MTOK_USD: decimalSetting(0, 10_000).default(1.6),
  /** Attempts per analysis for transient failures (5xx, timeouts, connection errors, invalid replies). */
  SCORING_MAX_ATTEMPTS: integerSetting(1, 20).default(3),
  /** 429 answers tolerated per analysis (each waits `retry-after`) before it fails as `llm_rate_limited`. */
  SCORING_MAX_RATE_LIMITED_ATTEMPTS: integerSetting(0, 100).default(10),
  /** Backoff before a retry: base × 2^(n-1), capped, with jitter (half fixed, half random). */
  SCORING_RETRY_BASE_MS: integerSetting(1, 600_000).default(1000),
  SCORING_RETRY_MAX_MS: integerSetting(1, 3_600_000).default(30_000),
  /** How often an idle worker looks for due jobs (jobs recorded here wake it at once). */
  SCORING_POLL_INTERVAL_MS: integerSetting(10, 600_000).default(1000),
};

export type ScoringConfig = ServiceConfig & z.infer<z.ZodObject<typeof scoringSettings>>;
