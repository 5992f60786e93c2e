import { Module } from '@nestjs/common';
import { FunnelController } from './funnel.controller';
import { GetFunnel } from './get-funnel.usecase';

@Module({ controllers: [FunnelController], providers: [GetFunnel] })
export class FunnelModule {}
