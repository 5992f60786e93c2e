import { Body, Controller, Headers, HttpCode, Param, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { SIGNATURE_HEADER } from '@leads/contracts';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { invalidRequest } from '@leads/service';
import type { FastifyRequest } from 'fastify';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { WebhookIntakeUseCase } from './webhook-intake.usecase';

/** Public: the URL token names the source, the signature authenticates the sender. */
@ApiTags('Webhooks')
@Controller('v1/hooks')
export class WebhookIntakeController {
  constructor(private readonly intake: WebhookIntakeUseCase) {}

  @Post(':token')
  @HttpCode(202)
  @ApiHeader({
    name: 'X-500Leads-Signature',
    required: true,
    description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; several `v1=` allowed; 5 minutes of tolerance.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key returns the first answer and creates nothing.' })
  @ApiJsonResponse(202, 'Accepted: `{id, duplicate}`. The body is a JSON object or form-encoded; the source\'s field mapping applies, then field recognition.')
  @ApiJsonResponse(401, 'Unknown source, or a missing, malformed, expired or wrong signature: nothing is stored.', problemSchema)
  receive(
    @Param('token') token: string,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Body() body: unknown,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw invalidRequest([{ field: 'Idempotency-Key', reason: 'must be 1 to 255 characters' }]);
    }
    return this.intake.receive({ token, signature, rawBody: request.rawBody, body, idempotencyKey });
  }
}
