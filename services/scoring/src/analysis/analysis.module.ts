import { SERVICE_CONFIG } from '@leads/service';
import { Module } from '@nestjs/common';
import { ModelClient } from '../model/model-client';
import type { ScoringConfig } from '../scoring.config';
import { AnalysesController } from './analyses.controller';
import { AnalysisJobsStore } from './analysis-jobs.store';
import { AnalysisJobsWorker } from './analysis-jobs.worker';
import { LeadEventsConsumer } from './lead-events.consumer';
import { RateLimiter } from './rate-limiter';
import { RecordAnalysisJob } from './record-analysis-job.usecase';
import { RunAnalysis } from './run-analysis.usecase';

/** Analysis jobs: recorded by the consumer, run by the worker pool, results through the outbox, listed per lead. */
@Module({
  controllers: [LeadEventsConsumer, AnalysesController],
  providers: [
    AnalysisJobsStore,
    RecordAnalysisJob,
    RunAnalysis,
    AnalysisJobsWorker,
    { provide: ModelClient, inject: [SERVICE_CONFIG], useFactory: (config: ScoringConfig) => new ModelClient(config) },
    {
      provide: RateLimiter,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ScoringConfig) =>
        new RateLimiter({
          perMinute: config.SCORING_REQUESTS_PER_MINUTE,
          burst: Math.max(1, Math.min(config.SCORING_CONCURRENCY, config.SCORING_REQUESTS_PER_MINUTE)),
        }),
    },
  ],
})
export class AnalysisModule {}
