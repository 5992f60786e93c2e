import { InternalAuthGuard, SERVICE_CONFIG, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { Body, Controller, Get, Inject, Put, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SequencesConfig } from '../sequences.config';
import { loadSender, saveSender, type SenderJson } from './sender-identity';
import { putSenderBody, type PutSenderBody } from './sender-identity.schema';

/** The workspace's sender identity: who its sequence emails come from. */
@Controller('v1/sequence-sender')
@UseGuards(InternalAuthGuard)
export class SenderController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: SequencesConfig,
  ) {}

  @Get()
  get(@Scope() scope: RequestScope): Promise<SenderJson> {
    return loadSender(this.dataSource, scope.workspaceId, this.config.MAIL_FROM);
  }

  @Put()
  async put(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(putSenderBody)) body: PutSenderBody): Promise<SenderJson> {
    await saveSender(this.dataSource, scope.workspaceId, body);
    return loadSender(this.dataSource, scope.workspaceId, this.config.MAIL_FROM);
  }
}
