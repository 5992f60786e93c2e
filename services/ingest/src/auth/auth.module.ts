import { Global, Module } from '@nestjs/common';
import { ApiKeyCache } from './api-key-cache';

/** What GatewayAuthGuard needs wherever it guards a controller. */
@Global()
@Module({ providers: [ApiKeyCache], exports: [ApiKeyCache] })
export class AuthModule {}
