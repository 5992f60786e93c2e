import { Module } from '@nestjs/common';
import { MovesModule } from '../moves/moves.module';
import { CreatePipeline } from './create-pipeline.usecase';
import { DeletePipeline } from './delete-pipeline.usecase';
import { EnsureDefaultPipeline } from './ensure-default-pipeline.usecase';
import { PipelinesController } from './pipelines.controller';
import { UpdatePipeline } from './update-pipeline.usecase';
import { WorkspaceCreatedConsumer } from './workspace-created.consumer';

@Module({
  imports: [MovesModule],
  controllers: [PipelinesController, WorkspaceCreatedConsumer],
  providers: [CreatePipeline, UpdatePipeline, DeletePipeline, EnsureDefaultPipeline],
  exports: [EnsureDefaultPipeline],
})
export class PipelinesModule {}
