import { Topics, type LeadCreated } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { EnrichLead } from './enrich-lead.usecase';

const uuid = z.uuid();
const isUuid = (value: string) => uuid.safeParse(value).success;

@Controller()
export class LeadCreatedConsumer {
  constructor(private readonly enrichLead: EnrichLead) {}

  /** Every accepted submission, NEW or MERGED (a resubmitted lead is enriched again); once per event however often it is delivered (the inbox). */
  @OnEvent(Topics.leadCreated)
  async onLeadCreated(@Payload() event: LeadCreated, @Ctx() context: EventContext): Promise<void> {
    // Retrying cannot fix an id that is not a UUID: straight to the dead-letter topic.
    if (!isUuid(event.workspaceId) || !isUuid(event.leadId)) {
      throw new NonRetryableEventError(`lead ${JSON.stringify(event.leadId)} of workspace ${JSON.stringify(event.workspaceId)}: the ids must be UUIDs`);
    }
    await this.enrichLead.execute(context.manager, event, {
      leadId: event.leadId.toLowerCase(),
      workspaceId: event.workspaceId.toLowerCase(),
      submissionId: event.submissionId,
      eventId: context.eventId,
      email: event.profile?.email ?? '',
      ipAddress: event.ipAddress,
    });
  }
}
