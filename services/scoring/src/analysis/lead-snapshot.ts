import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { LeadEnrichedSchema, type LeadEnriched } from '@leads/contracts';

/**
 * What an analysis works from: the whole `lead.enriched` payload (profile, source, UTM,
 * enrichment), stored as protobuf JSON so that a retry, on any replica, needs nothing else.
 */
export function snapshotOf(event: LeadEnriched): JsonValue {
  return toJson(LeadEnrichedSchema, event);
}

export function leadFromSnapshot(snapshot: JsonValue): LeadEnriched {
  return fromJson(LeadEnrichedSchema, snapshot, { ignoreUnknownFields: true });
}
