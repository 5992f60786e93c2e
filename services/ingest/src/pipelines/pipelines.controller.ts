import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';

type Query = Record<string, string>;

/**
 * Pipelines, the Kanban board and the funnel, owned by the pipeline service: the gateway
 * authenticates, scopes to the workspace and forwards; bodies are validated by the owner.
 */
@ApiTags('Pipelines')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/pipelines')
export class PipelinesController {
  constructor(private readonly downstream: Downstream) {}

  @Get()
  list(@Scope() scope: RequestScope) {
    return this.downstream.pipeline(scope, { method: 'GET', path: '/v1/pipelines' });
  }

  @Post()
  @ApiOperation({ summary: 'Create a pipeline: ordered stages with name, colour (#rrggbb) and kind; exactly one win and one lost stage, at least one open stage, unique names.' })
  @ApiBody({ schema: { type: 'object', properties: { name: { type: 'string' }, stages: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, color: { type: 'string' }, kind: { enum: ['open', 'win', 'lost'] } } } } } } })
  create(@Scope() scope: RequestScope, @Body() body: unknown) {
    return this.downstream.pipeline(scope, { method: 'POST', path: '/v1/pipelines', body });
  }

  @Get(':id')
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Pipeline')) id: string) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/pipelines/${id}` });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, reorder, recolour, add stages (the full ordered list); a removed stage with leads needs `moveLeadsTo`.' })
  update(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Pipeline')) id: string, @Body() body: unknown) {
    return this.downstream.pipeline(scope, { method: 'PATCH', path: `/v1/pipelines/${id}`, body });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a pipeline: only when empty, or with `targetPipelineId` to move its leads to.' })
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Pipeline')) id: string, @Query() query: Query) {
    await this.downstream.pipeline(scope, { method: 'DELETE', path: `/v1/pipelines/${id}`, query });
  }

  @Get(':id/board')
  @ApiOperation({ summary: 'The Kanban board: a column per stage with its count and first page of cards (filters: qualification, source, processingStatus, q).' })
  board(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Pipeline')) id: string, @Query() query: Query) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/pipelines/${id}/board`, query });
  }

  @Get(':id/board/stages/:stageId')
  @ApiOperation({ summary: "The next page of one board column's cards." })
  column(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Pipeline')) id: string,
    @Param('stageId', new ParseIdPipe('Stage')) stageId: string,
    @Query() query: Query,
  ) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/pipelines/${id}/board/stages/${stageId}`, query });
  }

  @Get(':id/funnel')
  @ApiOperation({
    summary: 'The funnel of leads created in [from, to) (optionally one source).',
    description:
      'A lead counts for every open stage up to the furthest it reached (by stage order, from its stage history), and for Win when won; ' +
      'lost leads count for the open stages they reached. `conversionRate` is reached(stage) / reached(previous open stage); ' +
      'winRate and lostRate are over all leads in range; medianSecondsInStage is the median time leads spent in the stage before leaving it.',
  })
  funnel(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Pipeline')) id: string, @Query() query: Query) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/pipelines/${id}/funnel`, query });
  }
}
