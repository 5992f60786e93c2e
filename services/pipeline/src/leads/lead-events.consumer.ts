import { isUuid } from '@leads/service';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Topics, type LeadCreated, type LeadEnriched, type LeadFailed, type LeadScored } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { enrichmentOf, failureOf, profileOf, scoreOf, type LeadFact } from './lead.projection';
import { ProjectLeadEvent } from './project-lead-event.usecase';

/** Builds the leads read model from the lead topics (see lead.projection.ts for the rules). */
@Controller()
export class LeadEventsConsumer {
  constructor(private readonly projectLeadEvent: ProjectLeadEvent) {}

  /** NEW and MERGED alike: the profile is the merged one, and a lead on no pipeline yet is placed. */
  @OnEvent(Topics.leadCreated)
  async onLeadCreated(@Payload() event: LeadCreated, @Ctx() context: EventContext): Promise<void> {
    const fact: LeadFact = { type: 'created', occurredAt: occurredAt(event, context), profile: profileOf(event.profile, event.source) };
    await this.project(event, context, fact, { pipelineId: event.pipelineId });
  }

  @OnEvent(Topics.leadEnriched)
  async onLeadEnriched(@Payload() event: LeadEnriched, @Ctx() context: EventContext): Promise<void> {
    await this.project(event, context, {
      type: 'enriched',
      occurredAt: occurredAt(event, context),
      profile: profileOf(event.profile, event.source),
      enrichment: enrichmentOf(event.enrichment),
    });
  }

  @OnEvent(Topics.leadScored)
  async onLeadScored(@Payload() event: LeadScored, @Ctx() context: EventContext): Promise<void> {
    await this.project(event, context, {
      type: 'scored',
      occurredAt: occurredAt(event, context),
      profile: profileOf(event.profile, event.source),
      enrichment: enrichmentOf(event.enrichment),
      score: scoreOf(event),
    });
  }

  @OnEvent(Topics.leadFailed)
  async onLeadFailed(@Payload() event: LeadFailed, @Ctx() context: EventContext): Promise<void> {
    const at = occurredAt(event, context);
    await this.project(event, context, { type: 'failed', occurredAt: at, failure: failureOf(event, at) });
  }

  private async project(event: { leadId: string; workspaceId: string }, context: EventContext, fact: LeadFact, placement?: { pipelineId?: string }) {
    // Retrying cannot fix an id that is not a UUID: straight to the dead-letter topic.
    if (!isUuid(event.workspaceId) || !isUuid(event.leadId)) {
      throw new NonRetryableEventError(`lead ${JSON.stringify(event.leadId)} of workspace ${JSON.stringify(event.workspaceId)}: the ids must be UUIDs`);
    }
    await this.projectLeadEvent.execute(context.manager, event.workspaceId.toLowerCase(), event.leadId.toLowerCase(), fact, placement);
  }
}

/** When it happened: the payload's occurred_at (= ce_time, which stands in when it is absent). */
function occurredAt(event: { occurredAt?: Timestamp }, context: EventContext): Date {
  return event.occurredAt ? timestampDate(event.occurredAt) : new Date(context.event.attributes.time);
}
