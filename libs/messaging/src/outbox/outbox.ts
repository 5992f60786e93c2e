import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { encodeEvent, type TopicDefinition } from '@leads/contracts';
import type { EntityManager } from 'typeorm';
import { currentTraceHeaders } from '../trace-context';

export interface OutgoingEvent<Desc extends DescMessage> {
  readonly topic: TopicDefinition<Desc>;
  readonly data: MessageInitShape<Desc>;
  /** The partition key: the lead id for lead events, the workspace id for workspace events. */
  readonly key: string;
  /** `ce_subject`; defaults to the key. */
  readonly subject?: string;
}

/**
 * Writes events into the service's outbox table inside the caller's transaction. The event
 * leaves for Kafka only if that transaction commits; the current trace context travels with it.
 */
export class Outbox {
  constructor(private readonly source: string) {}

  async publish<Desc extends DescMessage>(manager: EntityManager, event: OutgoingEvent<Desc>): Promise<string> {
    const [eventId] = await this.publishAll(manager, [event]);
    return eventId;
  }

  async publishAll(manager: EntityManager, events: readonly OutgoingEvent<DescMessage>[]): Promise<string[]> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.publish must run inside a transaction, together with the state change it announces');
    }
    if (events.length === 0) return [];
    const traceHeaders = currentTraceHeaders();
    const encoded = events.map((event) =>
      encodeEvent(event.topic, event.data, {
        key: event.key,
        subject: event.subject ?? event.key,
        source: this.source,
        traceHeaders,
      }),
    );
    const ids = encoded.map((e) => e.headers['ce_id']);
    // The values travel as one binary parameter cut by offset, and the headers as one JSON array:
    // as bytea[] and jsonb[] they would be hex-encoded and escaped into array literals, both ways.
    const starts: number[] = [];
    let offset = 1;
    for (const { value } of encoded) {
      starts.push(offset);
      offset += value.length;
    }
    await manager.query(
      `INSERT INTO messaging_outbox (event_id, topic, message_key, value, headers)
       SELECT event_id, topic, message_key, substring($4::bytea FROM start FOR length), $7::jsonb -> (position::int - 1)
         FROM unnest($1::text[], $2::text[], $3::text[], $5::int[], $6::int[]) WITH ORDINALITY
           AS t (event_id, topic, message_key, start, length, position)
        ORDER BY position`,
      [
        ids,
        encoded.map((e) => e.topic),
        encoded.map((e) => e.key),
        Buffer.concat(encoded.map((e) => e.value)),
        starts,
        encoded.map((e) => e.value.length),
        JSON.stringify(encoded.map((e) => e.headers)),
      ],
    );
    return ids;
  }
}
