import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayAuthGuard, SESSION_COOKIE } from '../auth/gateway-auth.guard';
import { ApiJsonBody, ApiJsonResponse } from '../gateway/openapi';
import { createApiKeySchema, logInSchema, signUpSchema, type LogIn, type SignUp } from './accounts.schemas';
import { ApiKeysUseCase } from './api-keys.usecase';
import { SESSION_TTL_SECONDS, SessionStore } from './session.store';
import { SignUpUseCase } from './sign-up.usecase';

type CookieReply = FastifyReply & { setCookie(name: string, value: string, options: object): FastifyReply; clearCookie(name: string, options: object): FastifyReply };

function setSession(reply: FastifyReply, token: string): void {
  (reply as CookieReply).setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.NODE_ENV === 'production',
    maxAge: SESSION_TTL_SECONDS,
  });
}

@ApiTags('Accounts')
@Controller('v1')
export class AccountsController {
  constructor(
    private readonly signUp: SignUpUseCase,
    private readonly sessions: SessionStore,
    private readonly apiKeys: ApiKeysUseCase,
  ) {}

  @Post('signup')
  @ApiJsonBody(signUpSchema)
  @ApiJsonResponse(201, 'The workspace, its first user and an API key (shown once; only its hash is stored). Also logs the user in.')
  async signup(@Body(new ZodValidationPipe(signUpSchema)) body: SignUp, @Res({ passthrough: true }) reply: FastifyReply) {
    const { sessionToken, ...created } = await this.signUp.execute(body);
    setSession(reply, sessionToken);
    return created;
  }

  @Post('sessions')
  @ApiJsonBody(logInSchema)
  @ApiJsonResponse(201, 'Logged in: the session cookie is set.')
  async logIn(@Body(new ZodValidationPipe(logInSchema)) body: LogIn, @Res({ passthrough: true }) reply: FastifyReply) {
    const { token, ...session } = await this.sessions.logIn(body);
    setSession(reply, token);
    return session;
  }

  @Get('session')
  @UseGuards(GatewayAuthGuard)
  @ApiCookieAuth()
  @ApiJsonResponse(200, 'Who the request acts as: `{workspace, user, apiKey}` (`user` with the session cookie, `apiKey` with a bearer key; the other null).')
  whoAmI(@Scope() scope: RequestScope) {
    return this.sessions.whoAmI(scope);
  }

  @Delete('sessions')
  @HttpCode(204)
  async logOut(@Req() request: FastifyRequest & { cookies?: Record<string, string> }, @Res({ passthrough: true }) reply: FastifyReply) {
    const token = request.cookies?.[SESSION_COOKIE];
    if (token) await this.sessions.logOut(token);
    (reply as CookieReply).clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Get('api-keys')
  @UseGuards(GatewayAuthGuard)
  @ApiCookieAuth()
  listApiKeys(@Scope() scope: RequestScope) {
    return this.apiKeys.list(scope);
  }

  @Post('api-keys')
  @UseGuards(GatewayAuthGuard)
  @ApiJsonBody(createApiKeySchema)
  @ApiJsonResponse(201, 'The new key; `key` is shown only in this response.')
  createApiKey(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(createApiKeySchema)) body: { name: string }) {
    return this.apiKeys.create(scope, body.name);
  }

  @Delete('api-keys/:id')
  @UseGuards(GatewayAuthGuard)
  @HttpCode(204)
  async revokeApiKey(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('API key')) id: string) {
    await this.apiKeys.revoke(scope, id);
  }
}
