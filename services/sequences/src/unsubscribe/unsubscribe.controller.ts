import { InternalAuthGuard, Scope, type RequestScope } from '@leads/service';
import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Unsubscribe, type UnsubscribeJson } from './unsubscribe.usecase';

/**
 * Behind the gateway's public `/v1/unsubscribe/<token>` (no login: the token is the credential;
 * the gateway scopes the call to the workspace the token names).
 */
@Controller('v1/unsubscribe/:token')
@UseGuards(InternalAuthGuard)
export class UnsubscribeController {
  constructor(private readonly unsubscribe: Unsubscribe) {}

  @Get()
  show(@Scope() scope: RequestScope, @Param('token') token: string): Promise<UnsubscribeJson> {
    return this.unsubscribe.show(scope, token);
  }

  @Post()
  @HttpCode(200)
  confirm(@Scope() scope: RequestScope, @Param('token') token: string) {
    return this.unsubscribe.unsubscribe(scope, token);
  }
}
