import { Injectable } from '@nestjs/common';
import { invalidRequest, type FieldError, type RequestScope } from '@leads/service';
import { Downstream } from '../gateway/downstream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A sequence's `criteria.pipelineIds` must name pipelines of the workspace (the pipeline service
 * owns them): a typo would otherwise be a filter that never matches. Ids that are not UUIDs are
 * left to the sequences service, which validates the whole body.
 */
@Injectable()
export class SequencePipelines {
  constructor(private readonly downstream: Downstream) {}

  async assertKnown(scope: RequestScope, body: unknown): Promise<void> {
    const ids = (body as { criteria?: { pipelineIds?: unknown } } | null)?.criteria?.pipelineIds;
    if (!Array.isArray(ids) || !ids.some((id) => typeof id === 'string' && UUID.test(id))) return;
    const { items } = await this.downstream.pipeline<{ items: Array<{ id: string }> }>(scope, { method: 'GET', path: '/v1/pipelines' });
    const known = new Set(items.map((pipeline) => pipeline.id.toLowerCase()));
    const errors: FieldError[] = ids.flatMap((id, index) =>
      typeof id === 'string' && UUID.test(id) && !known.has(id.toLowerCase()) ? [{ field: `criteria.pipelineIds.${index}`, reason: 'no such pipeline in this workspace' }] : [],
    );
    if (errors.length) throw invalidRequest(errors);
  }
}
