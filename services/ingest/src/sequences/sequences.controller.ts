import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { SequencePipelines } from './sequence-pipelines';

type Query = Record<string, string>;

const step = {
  type: 'object',
  required: ['delaySeconds', 'subject', 'body'],
  properties: {
    delaySeconds: { type: 'integer', minimum: 0, description: 'After the previous step (after enrolment for the first one); 0 allowed.' },
    subject: { type: 'string', maxLength: 200, description: 'One line; a template.' },
    body: {
      type: 'string',
      maxLength: 20000,
      description:
        'Plain text with {{firstName}}, {{lastName}}, {{email}}, {{companyName}}, {{customFields.<name>}} or {{<custom field name>}}; ' +
        'unknown or empty values render empty. Sent as text and as HTML (every value HTML-escaped), with an unsubscribe link.',
    },
  },
};
const criteria = {
  type: 'object',
  required: ['qualifications'],
  properties: {
    qualifications: { type: 'array', items: { enum: ['hot', 'warm'] }, minItems: 1 },
    pipelineIds: { type: 'array', items: { type: 'string', format: 'uuid' }, description: 'Only leads on these pipelines; empty or absent: any.' },
    sources: { type: 'array', items: { enum: ['api', 'webhook', 'form', 'csv_import', 'console'] }, description: 'Empty or absent: any.' },
    minScore: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
  },
};
const sequenceBody = (required: string[], statuses: string[]) => ({
  type: 'object',
  required,
  properties: {
    name: { type: 'string', maxLength: 200 },
    status: { enum: statuses },
    criteria,
    steps: { type: 'array', items: step, minItems: 1, maxItems: 20 },
    ...(required.length ? {} : { version: { type: 'integer', description: 'The version you read: a stale one is refused (409).' } }),
  },
});

/**
 * Email sequences, owned by the sequences service: the gateway authenticates, scopes to the
 * workspace and forwards; bodies are validated by the owner (pipeline ids checked here first).
 */
@ApiTags('Sequences')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/sequences')
export class SequencesController {
  constructor(
    private readonly downstream: Downstream,
    private readonly pipelines: SequencePipelines,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The sequences, newest first: `{items, nextCursor}` (`status`, `cursor`, `limit` 1–100).' })
  list(@Scope() scope: RequestScope, @Query() query: Query) {
    return this.downstream.sequences(scope, { method: 'GET', path: '/v1/sequences', query });
  }

  @Post()
  @ApiOperation({
    summary: 'Create a sequence: hot/warm leads scored from now on that match its criteria are enrolled (once per lead) while it is active.',
  })
  @ApiBody({ schema: sequenceBody(['name', 'status', 'criteria', 'steps'], ['active', 'paused']) })
  @ApiJsonResponse(201, 'The sequence: `{id, name, status, criteria, steps, version, createdAt, updatedAt}`.')
  @ApiJsonResponse(400, 'Invalid fields, each named (e.g. `steps.1.body` for a template with unknown syntax).', problemSchema)
  async create(@Scope() scope: RequestScope, @Body() body: unknown) {
    await this.pipelines.assertKnown(scope, body);
    return this.downstream.sequences(scope, { method: 'POST', path: '/v1/sequences', body });
  }

  @Get(':id')
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string) {
    return this.downstream.sequences(scope, { method: 'GET', path: `/v1/sequences/${id}` });
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Rename, change criteria or steps, pause (enrolments pause), resume (they continue; overdue steps go at once) or archive (final: enrolments stop).',
  })
  @ApiBody({ schema: sequenceBody([], ['active', 'paused', 'archived']) })
  async update(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string, @Body() body: unknown) {
    await this.pipelines.assertKnown(scope, body);
    return this.downstream.sequences(scope, { method: 'PATCH', path: `/v1/sequences/${id}`, body });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a sequence with its enrolments and send records (unsubscribes are kept).' })
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string) {
    await this.downstream.sequences(scope, { method: 'DELETE', path: `/v1/sequences/${id}` });
  }

  @Get(':id/enrollments')
  @ApiOperation({
    summary:
      'Its enrolments, oldest first: `{items: [{leadId, email, status: active|paused|completed|stopped, currentStep (steps done), nextRunAt, stopReason, …}], nextCursor}` (`status`, `leadId`, `cursor`, `limit`).',
  })
  enrollments(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string, @Query() query: Query) {
    return this.downstream.sequences(scope, { method: 'GET', path: `/v1/sequences/${id}/enrollments`, query });
  }

  @Get(':id/sends')
  @ApiOperation({
    summary: 'Every email it sent or tried to, oldest first, with its outcome: sent, retrying, failed, unknown or cancelled (`leadId`, `cursor`, `limit`).',
  })
  sends(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string, @Query() query: Query) {
    return this.downstream.sequences(scope, { method: 'GET', path: `/v1/sequences/${id}/sends`, query });
  }
}
