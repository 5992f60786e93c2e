import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';
import { ApiJsonResponse } from '../gateway/openapi';

/** Who the workspace's sequence emails come from (MAIL_FROM until set). */
@ApiTags('Sequences')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/sequence-sender')
export class SequenceSenderController {
  constructor(private readonly downstream: Downstream) {}

  @Get()
  @ApiJsonResponse(200, '`{fromName, fromEmail, replyTo, isDefault}`')
  get(@Scope() scope: RequestScope) {
    return this.downstream.sequences(scope, { method: 'GET', path: '/v1/sequence-sender' });
  }

  @Put()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['fromName', 'fromEmail'],
      properties: { fromName: { type: 'string', maxLength: 100 }, fromEmail: { type: 'string', format: 'email' }, replyTo: { type: ['string', 'null'], format: 'email' } },
    },
  })
  put(@Scope() scope: RequestScope, @Body() body: unknown) {
    return this.downstream.sequences(scope, { method: 'PUT', path: '/v1/sequence-sender', body });
  }
}
