// Event contracts of 500 Leads: generated Protobuf messages (proto/leads/v1), the topic
// registry, the CloudEvents (Kafka binary mode) codec and the webhook signature scheme.
export * from './topics';
export * from './cloud-event.codec';
export * from './webhook-signature';

export * from './gen/leads/v1/actor_pb';
export * from './gen/leads/v1/enrichment_pb';
export * from './gen/leads/v1/lead_pb';
export * from './gen/leads/v1/pipeline_pb';
export * from './gen/leads/v1/lead_created_pb';
export * from './gen/leads/v1/lead_enriched_pb';
export * from './gen/leads/v1/lead_scored_pb';
export * from './gen/leads/v1/lead_failed_pb';
export * from './gen/leads/v1/lead_stage_changed_pb';
export * from './gen/leads/v1/lead_analysis_requested_pb';
export * from './gen/leads/v1/workspace_created_pb';
