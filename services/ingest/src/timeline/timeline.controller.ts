import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { ApiJsonResponse } from '../gateway/openapi';
import { LeadTimeline } from './lead-timeline.usecase';

@ApiTags('Leads')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/leads/:id/timeline')
export class TimelineController {
  constructor(private readonly timeline: LeadTimeline) {}

  @Get()
  @ApiJsonResponse(
    200,
    'Everything that happened to the lead, oldest first: `{items, unavailable, truncated}`. Each item has `at`, `type` and `id`; types: ' +
      '`submitted` (channel, fields, utm), `enriched` / `enrichment-failed`, `analysis-requested`, `analysis-attempt` (model, outcome, ' +
      'latencyMs, totalTokens, error), `scored` / `analysis-failed`, `placed` / `stage-moved` (stage names, channel, actor), `enrolled`, ' +
      '`sequence-completed` / `sequence-stopped`, `email` (sequence, step, subject, status). `unavailable` names the services that did ' +
      'not answer; their part is missing.',
  )
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) id: string) {
    return this.timeline.of(scope, id);
  }
}
