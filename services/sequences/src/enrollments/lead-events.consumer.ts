import { isUuid } from '@leads/service';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { EmailClass, LeadChannel, Qualification, StageKind, Topics, type LeadScored, type LeadStageChanged } from '@leads/contracts';
import { EventContext, NonRetryableEventError, OnEvent } from '@leads/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { SendingWorker } from '../sending/sending.worker';
import { EnrollLead } from './enroll-lead.usecase';

/** Enrols scored leads and stops enrolments of leads that are won or lost (see EnrollLead). */
@Controller()
export class LeadEventsConsumer {
  constructor(
    private readonly enrollLead: EnrollLead,
    private readonly worker: SendingWorker,
  ) {}

  @OnEvent(Topics.leadScored)
  async onLeadScored(@Payload() event: LeadScored, @Ctx() context: EventContext): Promise<void> {
    const { workspaceId, leadId } = idsOf(event);
    const profile = event.profile;
    const enrolled = await this.enrollLead.onScored(context.manager, workspaceId, leadId, {
      occurredAt: occurredAt(event, context),
      email: text(profile?.email),
      firstName: text(profile?.firstName),
      lastName: text(profile?.lastName),
      // The company the lead named, else the one the model recognised, else the one of the email domain.
      companyName: text(profile?.companyName) ?? text(event.companyName) ?? text(event.enrichment?.company?.name),
      customFields: profile?.customFields ?? {},
      source: enumName(LeadChannel, event.source?.channel),
      qualification: enumName(Qualification, event.qualification),
      score: event.score,
      emailClass: enumName(EmailClass, event.enrichment?.emailClass),
    });
    if (enrolled > 0) context.afterCommit(() => this.worker.wake());
  }

  @OnEvent(Topics.leadStageChanged)
  async onLeadStageChanged(@Payload() event: LeadStageChanged, @Ctx() context: EventContext): Promise<void> {
    const { workspaceId, leadId } = idsOf(event);
    if (!isUuid(event.pipelineId)) throw new NonRetryableEventError(`lead ${leadId}: pipeline id ${JSON.stringify(event.pipelineId)} is not a UUID`);
    const enrolled = await this.enrollLead.onPlaced(context.manager, workspaceId, leadId, {
      occurredAt: occurredAt(event, context),
      pipelineId: event.pipelineId.toLowerCase(),
      stageKind: enumName(StageKind, event.toStageKind),
    });
    if (enrolled > 0) context.afterCommit(() => this.worker.wake());
  }
}

/** Retrying cannot fix an id that is not a UUID: straight to the dead-letter topic. */
function idsOf(event: { leadId: string; workspaceId: string }): { workspaceId: string; leadId: string } {
  if (!isUuid(event.workspaceId) || !isUuid(event.leadId)) {
    throw new NonRetryableEventError(`lead ${JSON.stringify(event.leadId)} of workspace ${JSON.stringify(event.workspaceId)}: the ids must be UUIDs`);
  }
  return { workspaceId: event.workspaceId.toLowerCase(), leadId: event.leadId.toLowerCase() };
}

/** When it happened: the payload's occurred_at (= ce_time, which stands in when it is absent). */
function occurredAt(event: { occurredAt?: Timestamp }, context: EventContext): Date {
  return event.occurredAt ? timestampDate(event.occurredAt) : new Date(context.event.attributes.time);
}

const text = (value: string | undefined): string | null => (value ? value : null);

/** `LeadChannel.CSV_IMPORT` → `'csv_import'`; UNSPECIFIED, absent or unknown to this build → null. */
function enumName<Name extends string>(values: Record<number, string>, value: number | undefined): Name | null {
  const name = value === undefined ? undefined : values[value];
  return name && name !== 'UNSPECIFIED' ? (name.toLowerCase() as Name) : null;
}
