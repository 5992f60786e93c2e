import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { LeadAnalysisRequestedSchema } from './gen/leads/v1/lead_analysis_requested_pb';
import { LeadCreatedSchema } from './gen/leads/v1/lead_created_pb';
import { LeadEnrichedSchema } from './gen/leads/v1/lead_enriched_pb';
import { LeadFailedSchema } from './gen/leads/v1/lead_failed_pb';
import { LeadScoredSchema } from './gen/leads/v1/lead_scored_pb';
import { LeadStageChangedSchema } from './gen/leads/v1/lead_stage_changed_pb';
import { WorkspaceCreatedSchema } from './gen/leads/v1/workspace_created_pb';

/** What a topic's record key is: every event of one lead (or workspace) lands on one partition, in order. */
export type TopicKey = 'lead id' | 'workspace id';

/** Prefix of every CloudEvents `type` this product produces. */
export const EVENT_TYPE_PREFIX = 'io.500leads';

/** Prefix of `ce_dataschema`: `buf:<fully-qualified Protobuf message name>`, the message defined in `proto/`. */
export const DATA_SCHEMA_PREFIX = 'buf:';

/** One Kafka topic of the public event contract. */
export interface TopicDefinition<Desc extends DescMessage = DescMessage, Name extends string = string> {
  /** The Kafka topic name, e.g. `lead.created`. */
  readonly name: Name;
  /** The CloudEvents `type` (`ce_type` header), e.g. `io.500leads.lead.created.v1`. */
  readonly eventType: string;
  /** The CloudEvents `dataschema` (`ce_dataschema` header), e.g. `buf:leads.v1.LeadCreated`. */
  readonly dataSchema: string;
  /** The Protobuf message every record value is. */
  readonly schema: Desc;
  /** Partition count the topic is created with. */
  readonly partitions: number;
  /** What the record key (and `ce_subject`) is. */
  readonly key: TopicKey;
  /** One line for people: what the event means. */
  readonly description: string;
}

function defineTopic<const Name extends string, Desc extends DescMessage>(definition: {
  name: Name;
  schema: Desc;
  partitions: number;
  key: TopicKey;
  description: string;
}): TopicDefinition<Desc, Name> {
  return Object.freeze({
    ...definition,
    eventType: `${EVENT_TYPE_PREFIX}.${definition.name}.v1`,
    dataSchema: `${DATA_SCHEMA_PREFIX}${definition.schema.typeName}`,
  });
}

/** Lead topics are keyed by lead id; 12 partitions spread the leads of busy workspaces. */
const LEAD_TOPIC_PARTITIONS = 12;
const WORKSPACE_TOPIC_PARTITIONS = 3;

/** The topic registry: every topic of the public event contract. */
export const Topics = {
  leadCreated: defineTopic({
    name: 'lead.created',
    schema: LeadCreatedSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'A submission was accepted for a lead (new, or merged into an existing lead); starts enrichment.',
  }),
  leadEnriched: defineTopic({
    name: 'lead.enriched',
    schema: LeadEnrichedSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'A lead was enriched (email MX and class, IP geolocation, company); carries the whole lead.',
  }),
  leadScored: defineTopic({
    name: 'lead.scored',
    schema: LeadScoredSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'The AI model analysed a lead: score 0-100, hot/warm/cold, reason; carries the whole lead.',
  }),
  leadFailed: defineTopic({
    name: 'lead.failed',
    schema: LeadFailedSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'Enrichment or scoring of a lead gave up; the lead is kept and can be analysed again.',
  }),
  leadStageChanged: defineTopic({
    name: 'lead.stage-changed',
    schema: LeadStageChangedSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'A lead entered a pipeline stage (first placement, move, bulk move, change of pipeline).',
  }),
  leadAnalysisRequested: defineTopic({
    name: 'lead.analysis-requested',
    schema: LeadAnalysisRequestedSchema,
    partitions: LEAD_TOPIC_PARTITIONS,
    key: 'lead id',
    description: 'Someone asked for a lead to be analysed again (e.g. after a failure).',
  }),
  workspaceCreated: defineTopic({
    name: 'workspace.created',
    schema: WorkspaceCreatedSchema,
    partitions: WORKSPACE_TOPIC_PARTITIONS,
    key: 'workspace id',
    description: 'A workspace was created (with its owner); the pipeline service gives it a default pipeline, the notification service its owner as the first recipient.',
  }),
} as const;

type RegisteredTopic = (typeof Topics)[keyof typeof Topics];

/** The name of a registered topic, e.g. `'lead.created'`. */
export type TopicName = RegisteredTopic['name'];

/** The registered definition of the topic called `N`. */
export type TopicByName<N extends TopicName> = Extract<RegisteredTopic, { readonly name: N }>;

/** The decoded payload type of the topic called `N`, e.g. `LeadCreated` for `'lead.created'`. */
export type EventData<N extends TopicName> = MessageShape<TopicByName<N>['schema']>;

/** Every registered topic, in registry order. */
export const allTopics: readonly TopicDefinition[] = Object.freeze(Object.values(Topics));

const topicsByName: ReadonlyMap<string, TopicDefinition> = new Map(allTopics.map((topic) => [topic.name, topic]));

/** The registered topic called `name`, or `undefined`. */
export function findTopic<N extends TopicName>(name: N): TopicByName<N>;
export function findTopic(name: string): TopicDefinition | undefined;
export function findTopic(name: string): TopicDefinition | undefined {
  return topicsByName.get(name);
}

/** The field of a topic's payload that holds its key: `leadId` on lead topics, `workspaceId` on workspace topics. */
export function keyFieldOf(topic: TopicDefinition): 'leadId' | 'workspaceId' {
  return topic.key === 'lead id' ? 'leadId' : 'workspaceId';
}
