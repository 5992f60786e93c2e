import { isUuid } from '@leads/service';
import { Topics, type WorkspaceCreated } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { EnsureDefaultPipeline } from './ensure-default-pipeline.usecase';

@Controller()
export class WorkspaceCreatedConsumer {
  constructor(private readonly ensureDefaultPipeline: EnsureDefaultPipeline) {}

  /** Gives the new workspace its default pipeline; a redelivery, or a lead that came first, leaves one. */
  @OnEvent(Topics.workspaceCreated)
  async onWorkspaceCreated(@Payload() event: WorkspaceCreated, @Ctx() context: EventContext): Promise<void> {
    if (!isUuid(event.workspaceId)) throw new NonRetryableEventError(`workspace id ${JSON.stringify(event.workspaceId)} is not a UUID`);
    await this.ensureDefaultPipeline.execute(context.manager, event.workspaceId.toLowerCase());
  }
}
