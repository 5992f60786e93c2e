import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { ApiJsonBody, ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { WebhookSourcesUseCase } from './webhook-sources.usecase';
import { createWebhookSourceSchema, rotateSecretSchema, type CreateWebhookSource, type RotateSecret } from './webhooks.schemas';

@ApiTags('Webhooks')
@ApiBearerAuth()
@ApiCookieAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/webhook-sources')
export class WebhookSourcesController {
  constructor(private readonly sources: WebhookSourcesUseCase) {}

  @Post()
  @ApiJsonBody(createWebhookSourceSchema)
  @ApiJsonResponse(
    201,
    '`{id, name, token, secret, url, fieldMapping, createdAt}`. POST to `url`, signing each request with `secret` (shown only here): ' +
      'header `X-500Leads-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.',
  )
  create(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(createWebhookSourceSchema)) body: CreateWebhookSource) {
    return this.sources.create(scope, body);
  }

  @Get()
  @ApiJsonResponse(200, 'The sources of the workspace, without their secrets.')
  list(@Scope() scope: RequestScope) {
    return this.sources.list(scope);
  }

  @Get(':id')
  @ApiJsonResponse(404, 'No such source in this workspace.', problemSchema)
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook source')) id: string) {
    return this.sources.get(scope, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook source')) id: string) {
    await this.sources.remove(scope, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiJsonBody(rotateSecretSchema)
  @ApiJsonResponse(200, '`{secret, previousSecretValidUntil}`: the new secret (shown only here); the previous ones keep working until then.')
  rotateSecret(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Webhook source')) id: string,
    @Body(new ZodValidationPipe(rotateSecretSchema)) body: RotateSecret,
  ) {
    return this.sources.rotateSecret(scope, id, body?.previousSecretValidForSeconds);
  }
}
