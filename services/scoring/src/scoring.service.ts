import type { ServiceDefinition } from '@leads/service';
import { AnalysisTables1764300000000 } from '../migrations/1764300000000-analysis-tables.migration';
import { AnalysisModule } from './analysis/analysis.module';
import { scoringSettings } from './scoring.config';

/**
 * AI analysis of leads: `lead.enriched` and `lead.analysis-requested` become durable jobs, a
 * bounded worker pool asks the model (any OpenAI-compatible server), and `lead.scored` or
 * `lead.failed` leave through the outbox. No rule-based score anywhere: no model, no score.
 */
export const scoringService: ServiceDefinition<typeof scoringSettings> = {
  name: 'scoring',
  defaultPort: 3002,
  config: scoringSettings,
  migrations: [AnalysisTables1764300000000],
  imports: () => [AnalysisModule],
  consumesEvents: true,
};
