import { randomUUID } from 'node:crypto';
import { LeadChannel, Topics, encodeEvent, type EncodedEvent, type LeadCreatedSchema } from '@leads/contracts';
import type { OutgoingEvent } from '@leads/messaging';

export const BENCH_SOURCE = '/services/bench';
/** The target size of an encoded lead.created value (Protobuf bytes, headers not included). */
export const TARGET_VALUE_BYTES = 1_000;

const WORKSPACES = Array.from({ length: 20 }, (_, index) => `bench-workspace-${String(index).padStart(2, '0')}`);

function leadData(leadId: string, index: number, padding: string) {
  return {
    leadId,
    workspaceId: WORKSPACES[index % WORKSPACES.length],
    profile: {
      email: `lead-${leadId.slice(0, 8)}@example.com`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      companyName: 'Analytical Engines Ltd',
      jobTitle: 'Head of Computation',
      country: 'GB',
      city: 'London',
      customFields: { plan: 'enterprise', seats: 42, newsletter: true, notes: padding },
    },
    source: { channel: LeadChannel.API },
  };
}

/** The `notes` padding that brings an encoded value to TARGET_VALUE_BYTES (UUIDs are fixed-length, so every event has that size). */
function computePadding(): string {
  let padding = '';
  for (;;) {
    const size = encode(randomUUID(), 0, padding).value.length;
    if (size >= TARGET_VALUE_BYTES) return padding;
    padding += 'x'.repeat(Math.max(1, TARGET_VALUE_BYTES - size - 2));
  }
}

function encode(leadId: string, index: number, padding: string): EncodedEvent {
  return encodeEvent(Topics.leadCreated, leadData(leadId, index, padding), { key: leadId, source: BENCH_SOURCE });
}

let padding: string | undefined;
const paddingNow = () => (padding ??= computePadding());

/** A lead.created of a new lead, for the outbox (which encodes it, stamping ce_id and ce_time). */
export function outgoingLeadCreated(index: number): OutgoingEvent<typeof LeadCreatedSchema> {
  const leadId = randomUUID();
  return { topic: Topics.leadCreated, key: leadId, data: leadData(leadId, index, paddingNow()) };
}

/** The same event already encoded as a Kafka record (CloudEvents binary mode), for the raw kafkajs baseline. */
export function encodedLeadCreated(index: number): EncodedEvent {
  return encode(randomUUID(), index, paddingNow());
}

/** Value and header bytes of one encoded event, for the report. */
export function eventSize(): { value: number; headers: number } {
  const event = encodedLeadCreated(0);
  const headers = Object.entries(event.headers).reduce((sum, [name, value]) => sum + name.length + Buffer.byteLength(value), 0);
  return { value: event.value.length, headers };
}
