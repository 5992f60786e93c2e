import { Body, Controller, Headers, HttpStatus, Options, Param, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { ProblemException } from '@leads/service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { FormCaptureUseCase } from './form-capture.usecase';

const PREFLIGHT_MAX_AGE_SECONDS = 600;

function isFormEncoded(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * Public capture of web forms. CORS is per form, so it is answered here rather than by a
 * global plugin: `Access-Control-Allow-Origin` only ever names one of the form's origins.
 */
@ApiTags('Forms')
@Controller('v1/forms')
export class FormCaptureController {
  constructor(private readonly capture: FormCaptureUseCase) {}

  @Options(':formKey')
  @ApiExcludeEndpoint()
  async preflight(
    @Param('formKey') formKey: string,
    @Headers('origin') origin: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.header('vary', 'Origin');
    await this.capture.resolve(formKey, origin, undefined);
    await reply
      .status(204)
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
      .send();
  }

  @Post(':formKey')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiJsonResponse(
    200,
    '`{"ok": true}`; a form-encoded post of a form with a redirectUrl gets 303 to it instead. A bot (honeypot filled, posted too fast) gets the same reply and nothing is stored. The lead id is never revealed.',
  )
  @ApiJsonResponse(403, 'The Origin is not one of the form\'s allowedOrigins: nothing is stored.', problemSchema)
  @ApiJsonResponse(429, 'Too many posts from this client to this form; see Retry-After.', problemSchema)
  async submit(
    @Param('formKey') formKey: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    reply.header('vary', 'Origin');
    const referer = request.headers.referer;
    const { form, origin } = await this.capture.resolve(formKey, request.headers.origin, referer);
    // From here on, errors are readable by the page's script too.
    reply.header('access-control-allow-origin', origin);
    const rate = this.capture.take(form, request.ip);
    if (!rate.allowed) {
      reply.header('retry-after', String(rate.retryAfterSeconds));
      throw new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'rate-limited', `Too many posts to this form: try again in ${rate.retryAfterSeconds} s.`);
    }
    await this.capture.capture(form, body, { ip: request.ip, userAgent: request.headers['user-agent'], referer });
    if (form.redirectUrl && isFormEncoded(request)) {
      await reply.status(303).header('location', form.redirectUrl).send();
      return;
    }
    await reply.status(200).send({ ok: true });
  }
}
