import { Injectable } from '@nestjs/common';
import { invalidRequest, type RequestScope } from '@leads/service';
import { Downstream } from '../gateway/downstream';
import { ForwardedProblem } from '../gateway/internal-client';

/** Intake may name a pipeline; it must be one of the workspace's (the pipeline service owns them). */
@Injectable()
export class PipelineExistence {
  constructor(private readonly downstream: Downstream) {}

  async assertExists(scope: RequestScope, pipelineId: string, field: string): Promise<void> {
    try {
      await this.downstream.pipeline(scope, { method: 'GET', path: `/v1/pipelines/${pipelineId}` });
    } catch (error) {
      if (error instanceof ForwardedProblem && error.getStatus() === 404) {
        throw invalidRequest([{ field, reason: 'no such pipeline in this workspace' }]);
      }
      throw error;
    }
  }
}
