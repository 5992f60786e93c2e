import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { LeadChannel } from '@leads/contracts';
import { ParseIdPipe, Scope, ZodValidationPipe, invalidRequest, type RequestScope } from '@leads/service';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';
import { ApiJsonBody, ApiJsonResponse } from '../gateway/openapi';
import type { CustomValue } from '../intake/field-recognition';
import { IntakeService } from '../intake/intake.service';
import type { CreateLead } from '../intake/submission.schema';
import { MOVE_FIELDS, bulkLeadsSchema, createLeadSchema, leadQuerySchema, profileFields, updateLeadSchema } from './leads.schemas';
import { PipelineExistence } from './pipeline-existence';

const idempotencyKey = z.string().min(1).max(255).optional();

@ApiTags('Leads')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/leads')
export class LeadsController {
  constructor(
    private readonly intake: IntakeService,
    private readonly downstream: Downstream,
    private readonly pipelines: PipelineExistence,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A replay with the same key returns the first answer and creates nothing.' })
  @ApiJsonBody(createLeadSchema, 'Any fields: the standard ones are recognised under their common spellings, every other field is kept in customFields.')
  @ApiJsonResponse(202, 'Accepted: `{id, duplicate}`; `duplicate` is true when a lead with this email existed and was updated.')
  async create(
    @Scope() scope: RequestScope,
    @Body(new ZodValidationPipe(createLeadSchema)) body: CreateLead,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
  ) {
    const parsedKey = idempotencyKey.safeParse(key);
    if (!parsedKey.success) throw invalidRequest([{ field: 'Idempotency-Key', reason: 'must be 1 to 255 characters' }]);
    const { pipelineId, customFields, utm, ...fields } = body;
    if (pipelineId) await this.pipelines.assertExists(scope, pipelineId, 'pipelineId');
    return this.intake.submit(
      scope,
      {
        fields: { ...(fields as Record<string, CustomValue>), ...customFields },
        channel: LeadChannel.API,
        pipelineId,
        utm,
        ipAddress: request.ip,
        userAgent: request.headers['user-agent'],
      },
      parsedKey.data,
    );
  }

  @Get()
  @ApiJsonResponse(200, '`{items, nextCursor}`, newest first.')
  list(@Scope() scope: RequestScope, @Query(new ZodValidationPipe(leadQuerySchema)) query: z.infer<typeof leadQuerySchema>) {
    return this.downstream.pipeline(scope, { method: 'GET', path: '/v1/leads', query });
  }

  @Get(':id')
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) id: string) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/leads/${id}` });
  }

  @Get(':id/history')
  history(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) id: string) {
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/leads/${id}/history` });
  }

  @Patch(':id')
  @ApiJsonBody(updateLeadSchema, 'A move (`stageId`, `pipelineId`, `beforeLeadId`, `version` for optimistic concurrency) and/or profile fields.')
  async update(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Lead')) id: string,
    @Body(new ZodValidationPipe(updateLeadSchema)) body: Record<string, unknown>,
  ) {
    const profile = profileFields(body) as Record<string, CustomValue>;
    if (Object.keys(profile).length > 0) await this.intake.update(scope, id, profile);
    const move = Object.fromEntries(MOVE_FIELDS.filter((field) => body[field] !== undefined).map((field) => [field, body[field]]));
    if (Object.keys(move).length > 0) {
      return this.downstream.pipeline(scope, { method: 'PATCH', path: `/v1/leads/${id}`, body: move });
    }
    return this.downstream.pipeline(scope, { method: 'GET', path: `/v1/leads/${id}` });
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiJsonBody(bulkLeadsSchema, 'Move up to 1000 leads to a stage or to another pipeline.')
  @ApiJsonResponse(200, '`{results: [{leadId, status: moved|unchanged|not_found|invalid, detail?}]}`')
  bulk(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(bulkLeadsSchema)) body: z.infer<typeof bulkLeadsSchema>) {
    return this.downstream.pipeline(scope, { method: 'POST', path: '/v1/leads/bulk', body });
  }
}
