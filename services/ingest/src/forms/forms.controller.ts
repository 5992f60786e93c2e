import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { ApiJsonBody, ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { FormsUseCase } from './forms.usecase';
import { createFormSchema, type CreateForm } from './forms.schemas';

@ApiTags('Forms')
@ApiBearerAuth()
@ApiCookieAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/forms')
export class FormsController {
  constructor(private readonly forms: FormsUseCase) {}

  @Post()
  @ApiJsonBody(createFormSchema)
  @ApiJsonResponse(201, '`{id, name, formKey, url, allowedOrigins, redirectUrl, createdAt}`: browsers on the allowed origins post to `url`.')
  create(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(createFormSchema)) body: CreateForm) {
    return this.forms.create(scope, body);
  }

  @Get()
  list(@Scope() scope: RequestScope) {
    return this.forms.list(scope);
  }

  @Get(':id')
  @ApiJsonResponse(404, 'No such form in this workspace.', problemSchema)
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Form')) id: string) {
    return this.forms.get(scope, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Form')) id: string) {
    await this.forms.remove(scope, id);
  }

  @Get(':id/snippet')
  @ApiProduces('text/html')
  @ApiJsonResponse(200, 'A copy-paste HTML form posting to the capture URL, with the honeypot, fill-time and UTM capture.')
  // Sandboxed if opened in a browser: the snippet is to copy, not to run on the gateway's origin.
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', 'sandbox')
  @Header('x-content-type-options', 'nosniff')
  snippet(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Form')) id: string) {
    return this.forms.snippet(scope, id);
  }
}
