import { Module } from '@nestjs/common';
import { UnsubscribeController } from './unsubscribe.controller';
import { Unsubscribe } from './unsubscribe.usecase';

@Module({ controllers: [UnsubscribeController], providers: [Unsubscribe] })
export class UnsubscribeModule {}
