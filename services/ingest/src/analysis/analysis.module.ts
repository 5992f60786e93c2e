import { Module } from '@nestjs/common';
import { AnalysisController } from './analysis.controller';
import { RequestAnalysis } from './request-analysis.usecase';

/** Retrying AI analyses: `POST /v1/leads/:id/retry-analysis`, `POST /v1/leads/retry-analysis` (bulk) and `POST /v1/leads/retry-failed` → `lead.analysis-requested`. */
@Module({ controllers: [AnalysisController], providers: [RequestAnalysis] })
export class AnalysisModule {}
