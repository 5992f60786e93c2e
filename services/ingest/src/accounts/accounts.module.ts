import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { ApiKeysUseCase } from './api-keys.usecase';
import { SessionStore } from './session.store';
import { SignUpUseCase } from './sign-up.usecase';

@Module({
  controllers: [AccountsController],
  providers: [SignUpUseCase, SessionStore, ApiKeysUseCase],
})
export class AccountsModule {}
