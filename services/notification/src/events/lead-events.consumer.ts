import { isUuid } from '@leads/service';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import {
  Topics,
  type LeadAnalysisRequested,
  type LeadCreated,
  type LeadEnriched,
  type LeadFailed,
  type LeadScored,
  type LeadStageChanged,
  type TopicDefinition,
} from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { FailureGroupsWorker } from '../feed/failure-groups.worker';
import { RecordLeadFailure } from '../feed/record-lead-failure.usecase';
import { RecordWebhookDeliveries } from '../webhooks/record-webhook-deliveries.usecase';
import { WebhookDeliveriesWorker } from '../webhooks/webhook-deliveries.worker';

type LeadEvent = MessageShape<DescMessage> & { leadId: string; workspaceId: string };

/**
 * Every lead event is fanned out to the workspace's webhook subscriptions; `lead.failed` is
 * also queued for the workspace's in-app (and email) notification. Each handler only records
 * rows, in the inbox transaction (a redelivered event has no second effect), and wakes the
 * workers once it has committed.
 */
@Controller()
export class LeadEventsConsumer {
  constructor(
    private readonly webhooks: RecordWebhookDeliveries,
    private readonly webhookWorker: WebhookDeliveriesWorker,
    private readonly failures: RecordLeadFailure,
    private readonly failureGroups: FailureGroupsWorker,
  ) {}

  @OnEvent(Topics.leadFailed)
  async onLeadFailed(@Payload() event: LeadFailed, @Ctx() context: EventContext): Promise<void> {
    assertIds(event);
    await this.failures.execute(context.manager, event, context.event.attributes.time);
    context.afterCommit(() => this.failureGroups.wake());
    await this.fanOut(Topics.leadFailed, event, context);
  }

  @OnEvent(Topics.leadCreated)
  onLeadCreated(@Payload() event: LeadCreated, @Ctx() context: EventContext): Promise<void> {
    return this.fanOut(Topics.leadCreated, event, context);
  }

  @OnEvent(Topics.leadEnriched)
  onLeadEnriched(@Payload() event: LeadEnriched, @Ctx() context: EventContext): Promise<void> {
    return this.fanOut(Topics.leadEnriched, event, context);
  }

  @OnEvent(Topics.leadScored)
  onLeadScored(@Payload() event: LeadScored, @Ctx() context: EventContext): Promise<void> {
    return this.fanOut(Topics.leadScored, event, context);
  }

  @OnEvent(Topics.leadStageChanged)
  onLeadStageChanged(@Payload() event: LeadStageChanged, @Ctx() context: EventContext): Promise<void> {
    return this.fanOut(Topics.leadStageChanged, event, context);
  }

  @OnEvent(Topics.leadAnalysisRequested)
  onLeadAnalysisRequested(@Payload() event: LeadAnalysisRequested, @Ctx() context: EventContext): Promise<void> {
    return this.fanOut(Topics.leadAnalysisRequested, event, context);
  }

  private async fanOut<Desc extends DescMessage>(topic: TopicDefinition<Desc>, event: MessageShape<Desc> & LeadEvent, context: EventContext): Promise<void> {
    assertIds(event);
    const { id, time } = context.event.attributes;
    const recorded = await this.webhooks.execute(context.manager, topic, event, { id, time, workspaceId: event.workspaceId.toLowerCase() });
    if (recorded > 0) context.afterCommit(() => this.webhookWorker.wake());
  }
}

/** Retrying cannot fix an id that is not a UUID: straight to the dead-letter topic. */
function assertIds(event: { leadId: string; workspaceId: string }): void {
  if (!isUuid(event.leadId) || !isUuid(event.workspaceId)) {
    throw new NonRetryableEventError(`lead ${JSON.stringify(event.leadId)} of workspace ${JSON.stringify(event.workspaceId)}: the ids must be UUIDs`);
  }
}
