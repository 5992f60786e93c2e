import { InternalAuthGuard, Scope, ZodValidationPipe, notFound, type RequestScope } from '@leads/service';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { idParams } from '../shared/request.schema';
import { CreatePipeline } from './create-pipeline.usecase';
import { DeletePipeline } from './delete-pipeline.usecase';
import type { PipelineJson } from './pipeline.entity';
import { loadPipeline, loadPipelines } from './pipeline.repository';
import { createPipelineBody, deletePipelineQuery, updatePipelineBody, type CreatePipelineBody, type UpdatePipelineBody } from './pipeline.schema';
import { UpdatePipeline } from './update-pipeline.usecase';

@Controller('v1/pipelines')
@UseGuards(InternalAuthGuard)
export class PipelinesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly createPipeline: CreatePipeline,
    private readonly updatePipeline: UpdatePipeline,
    private readonly deletePipeline: DeletePipeline,
  ) {}

  @Get()
  async list(@Scope() scope: RequestScope): Promise<{ items: PipelineJson[] }> {
    return { items: await loadPipelines(this.dataSource, scope.workspaceId) };
  }

  @Post()
  create(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(createPipelineBody)) body: CreatePipelineBody): Promise<PipelineJson> {
    return this.createPipeline.execute(scope, body);
  }

  @Get(':id')
  async get(@Scope() scope: RequestScope, @Param(new ZodValidationPipe(idParams)) { id }: { id: string }): Promise<PipelineJson> {
    const pipeline = await loadPipeline(this.dataSource, scope.workspaceId, id);
    if (!pipeline) throw notFound('Pipeline');
    return pipeline;
  }

  @Patch(':id')
  update(
    @Scope() scope: RequestScope,
    @Param(new ZodValidationPipe(idParams)) { id }: { id: string },
    @Body(new ZodValidationPipe(updatePipelineBody)) body: UpdatePipelineBody,
  ): Promise<PipelineJson> {
    return this.updatePipeline.execute(scope, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(
    @Scope() scope: RequestScope,
    @Param(new ZodValidationPipe(idParams)) { id }: { id: string },
    @Query(new ZodValidationPipe(deletePipelineQuery)) query: { targetPipelineId?: string },
  ): Promise<void> {
    return this.deletePipeline.execute(scope, id, query.targetPipelineId);
  }
}
