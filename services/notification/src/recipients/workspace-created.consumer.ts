import { isUuid } from '@leads/service';
import { Topics, type WorkspaceCreated } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { RecipientsStore } from './recipients.store';

const emailAddress = z.email();

@Controller()
export class WorkspaceCreatedConsumer {
  constructor(private readonly store: RecipientsStore) {}

  /** Remembers the workspace's name and owner: its emails go to the owner unless it sets recipients. An owner email that is not an address is left out. */
  @OnEvent(Topics.workspaceCreated)
  async onWorkspaceCreated(@Payload() event: WorkspaceCreated, @Ctx() context: EventContext): Promise<void> {
    if (!isUuid(event.workspaceId)) throw new NonRetryableEventError(`workspace id ${JSON.stringify(event.workspaceId)} is not a UUID`);
    const ownerEmail = event.ownerEmail.trim().toLowerCase();
    await this.store.recordWorkspace(context.manager, {
      id: event.workspaceId.toLowerCase(),
      name: event.name,
      ownerEmail: emailAddress.safeParse(ownerEmail).success ? ownerEmail : '',
    });
  }
}
