import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Topics, allTopics, type TopicDefinition } from '@leads/contracts';

/**
 * The events a subscription can ask for: every lead topic of the contract. (`workspace.created`
 * happens before a workspace can subscribe to anything.)
 */
export const WEBHOOK_EVENT_TYPES: readonly string[] = allTopics.filter((topic) => topic.key === 'lead id').map((topic) => topic.name);

/** The lead topics the service subscribes to for webhooks, each with its schema. */
export const WEBHOOK_TOPICS = [
  Topics.leadCreated,
  Topics.leadEnriched,
  Topics.leadScored,
  Topics.leadFailed,
  Topics.leadStageChanged,
  Topics.leadAnalysisRequested,
] as const;

/** What identifies an event, from its CloudEvents attributes. */
export interface EventEnvelope {
  /** `ce_id`: the same on every delivery and redelivery of the event (receivers deduplicate on it). */
  readonly id: string;
  /** `ce_time`. */
  readonly time: string;
  readonly workspaceId: string;
}

/**
 * The JSON body of a webhook: `{id, type, occurredAt, workspaceId, data}`, with `data` the event's
 * Protobuf message in the canonical Protobuf JSON mapping (lowerCamelCase names, enums by name,
 * 64-bit integers as strings, timestamps as RFC 3339), every field present even at its default.
 */
export function webhookBody<Desc extends DescMessage>(topic: TopicDefinition<Desc>, data: MessageShape<Desc>, envelope: EventEnvelope): string {
  return JSON.stringify({
    id: envelope.id,
    type: topic.name,
    occurredAt: envelope.time,
    workspaceId: envelope.workspaceId,
    data: toJson(topic.schema, data, { alwaysEmitImplicit: true }),
  });
}
