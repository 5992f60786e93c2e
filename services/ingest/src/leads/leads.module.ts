import { Module } from '@nestjs/common';
import { LeadsController } from './leads.controller';
import { PipelineExistence } from './pipeline-existence';

@Module({ controllers: [LeadsController], providers: [PipelineExistence], exports: [PipelineExistence] })
export class LeadsModule {}
