/**
 * CloudEvents 1.0 over Kafka, binary content mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md).
 *
 * The record value is the Protobuf-encoded payload; the event attributes travel as `ce_*`
 * headers (UTF-8 strings), the content type as `content-type`, and the W3C trace context as
 * `traceparent` / `tracestate`. The record key is the lead id (workspace id on workspace topics).
 */
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type Message,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { findTopic, keyFieldOf, type EventData, type TopicDefinition, type TopicName } from './topics';

/** CloudEvents specification version of every event. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** Media type of every record value. */
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** Kafka header names used by the binding. */
export const EventHeaders = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  specversion: 'ce_specversion',
  time: 'ce_time',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

const TRACE_HEADERS = [EventHeaders.traceparent, EventHeaders.tracestate] as const;

export interface CloudEventAttributes {
  /** `ce_id`: a UUIDv7, unique per event; the idempotency key of consumers. */
  id: string;
  /** `ce_type`, e.g. `io.500leads.lead.created.v1`. */
  type: string;
  /** `ce_source`: the producing service, e.g. `/services/ingest`. */
  source: string;
  specversion: '1.0';
  /** `ce_time`: RFC 3339 timestamp of the occurrence. */
  time: string;
  /** `ce_subject`: the lead id (workspace id on workspace topics). */
  subject?: string;
  /** From the `content-type` header: `application/protobuf`. */
  datacontenttype: string;
  /** `ce_dataschema`: `buf:<Protobuf message name>`, e.g. `buf:leads.v1.LeadCreated`. */
  dataschema?: string;
}

/** A record ready for a Kafka producer (`value` and `headers` are what kafkajs `send` takes). */
export interface EncodedEvent {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface EncodeOptions {
  /** The record key: the lead id on lead topics, the workspace id on workspace topics. Must equal that field of `data`. */
  key: string;
  /** `ce_source`: a URI reference naming the producer, e.g. `/services/ingest`. */
  source: string;
  /** `ce_subject`; defaults to `key`. */
  subject?: string;
  /** `ce_id`; defaults to a new UUIDv7. Pass the stored id when re-publishing (outbox relay). */
  id?: string;
  /** `ce_time`; defaults to `data.occurredAt`, else now. `data.occurredAt` defaults to this time. */
  time?: Date;
  /** W3C trace context to propagate; `traceparent` and `tracestate` are copied, other entries ignored. */
  traceHeaders?: Record<string, string>;
}

/** A Kafka header value as kafkajs delivers it: repeated headers arrive as an array. */
export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** A consumed Kafka record (structurally a kafkajs `KafkaMessage`). */
export interface IncomingKafkaMessage {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: Record<string, KafkaHeaderValue>;
}

export interface DecodedEvent<T = unknown> {
  topic: string;
  key: string | null;
  attributes: CloudEventAttributes;
  data: T;
  traceHeaders: { traceparent?: string; tracestate?: string };
}

export type EventDecodeErrorReason =
  /** The topic is not in the registry. */
  | 'unknown-topic'
  /** A required header (`ce_id`, `ce_type`, `ce_source`, `ce_specversion`, `ce_time`, `content-type`) is absent or empty. */
  | 'missing-header'
  /** `ce_specversion` is not `1.0`, or `ce_time` is not an RFC 3339 timestamp. */
  | 'invalid-header'
  /** `content-type` is not `application/protobuf` (e.g. a structured-mode `application/cloudevents+json` record). */
  | 'unsupported-content-type'
  /** `ce_type` (or `ce_dataschema`, when present) is not the topic's. */
  | 'type-mismatch'
  /** No value (tombstone), bytes that do not parse as the topic's message, no lead/workspace id, or a record key that is not that id. */
  | 'invalid-payload';

/** A record that is not a valid event of its topic. Not retryable: such records go to the dead-letter topic. */
export class EventDecodeError extends Error {
  constructor(
    message: string,
    readonly reason: EventDecodeErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventDecodeError';
  }
}

/** Random bytes for event ids, drawn 4 KiB at a time: a draw per id (uuid's default) costs more than the rest of making the id. */
const random = { pool: new Uint8Array(0), used: 0 };
/** The millisecond and counter of the last id, so ids made within one millisecond still sort in order (RFC 9562 §6.2, method 1). */
const clock = { msecs: -Infinity, seq: 0 };

/** A new event id: a UUIDv7 (RFC 9562), so ids sort by creation time. */
export function newEventId(): string {
  if (random.used + 16 > random.pool.length) {
    random.pool = randomBytes(4096);
    random.used = 0;
  }
  const bytes = random.pool.subarray(random.used, (random.used += 16));
  const now = Date.now();
  if (now > clock.msecs) {
    clock.msecs = now;
    clock.seq = ((bytes[6] & 0x7f) << 24) | (bytes[7] << 16) | (bytes[8] << 8) | bytes[9];
  } else {
    clock.seq = (clock.seq + 1) | 0;
    if (clock.seq === 0) clock.msecs += 1;
  }
  return uuidv7({ random: bytes, msecs: clock.msecs, seq: clock.seq });
}

/** Encodes `data` as a CloudEvents binary-mode Kafka record of `topic`. Throws `Error` on a programming error (wrong key, no source). */
export function encodeEvent<Desc extends DescMessage>(
  topic: TopicDefinition<Desc>,
  data: MessageInitShape<Desc>,
  options: EncodeOptions,
): EncodedEvent {
  if (!options.source) throw new Error(`encodeEvent(${topic.name}): source is required`);
  if (options.time !== undefined && Number.isNaN(options.time.getTime())) {
    throw new Error(`encodeEvent(${topic.name}): time is an invalid Date`);
  }
  let message: MessageShape<Desc> = create(topic.schema, data);

  const keyField = keyFieldOf(topic);
  const keyValue = fieldValue(message, keyField);
  if (!options.key || keyValue !== options.key) {
    throw new Error(
      `encodeEvent(${topic.name}): the key must be the event's ${topic.key} (${keyField} = ${JSON.stringify(keyValue)}), got ${JSON.stringify(options.key)}`,
    );
  }

  const occurredAt = fieldValue(message, 'occurredAt') as Timestamp | undefined;
  const time = options.time ?? (occurredAt ? timestampDate(occurredAt) : new Date());
  if (!occurredAt && topic.schema.field['occurredAt']) {
    // A copy: `create` returns `data` itself when it already is a message.
    message = { ...message, occurredAt: timestampFromDate(time) };
  }

  const headers: Record<string, string> = {
    [EventHeaders.specversion]: CLOUDEVENTS_SPEC_VERSION,
    [EventHeaders.id]: options.id ?? newEventId(),
    [EventHeaders.type]: topic.eventType,
    [EventHeaders.source]: options.source,
    [EventHeaders.time]: time.toISOString(),
    [EventHeaders.subject]: options.subject ?? options.key,
    [EventHeaders.dataschema]: topic.dataSchema,
    [EventHeaders.contentType]: PROTOBUF_CONTENT_TYPE,
  };
  if (options.traceHeaders) {
    for (const name of TRACE_HEADERS) {
      const value = readHeader(options.traceHeaders, name);
      if (value) headers[name] = value;
    }
  }

  const bytes = toBinary(topic.schema, message);
  return {
    topic: topic.name,
    key: options.key,
    value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    headers,
  };
}

/**
 * Decodes and validates a consumed record of topic `topicName` (or of `topic`).
 * Throws `EventDecodeError` when it is not a valid event of that topic.
 */
export function decodeEvent<N extends TopicName>(topicName: N, message: IncomingKafkaMessage): DecodedEvent<EventData<N>>;
export function decodeEvent<Desc extends DescMessage>(
  topic: TopicDefinition<Desc>,
  message: IncomingKafkaMessage,
): DecodedEvent<MessageShape<Desc>>;
export function decodeEvent(topicName: string, message: IncomingKafkaMessage): DecodedEvent<Message>;
export function decodeEvent(
  topicOrName: string | TopicDefinition,
  message: IncomingKafkaMessage,
): DecodedEvent<Message> {
  const topic = typeof topicOrName === 'string' ? findTopic(topicOrName) : topicOrName;
  if (!topic) throw new EventDecodeError(`unknown topic ${JSON.stringify(topicOrName)}`, 'unknown-topic');
  const where = `topic ${topic.name}`;
  const headers = message.headers;

  const required = [
    EventHeaders.id,
    EventHeaders.type,
    EventHeaders.source,
    EventHeaders.specversion,
    EventHeaders.time,
    EventHeaders.contentType,
  ] as const;
  const values = new Map(required.map((name) => [name, readHeader(headers, name)]));
  const missing = required.filter((name) => !values.get(name));
  if (missing.length > 0) {
    throw new EventDecodeError(`${where}: missing header(s) ${missing.join(', ')}`, 'missing-header');
  }
  const id = values.get(EventHeaders.id) as string;
  const type = values.get(EventHeaders.type) as string;
  const source = values.get(EventHeaders.source) as string;
  const specversion = values.get(EventHeaders.specversion) as string;
  const time = values.get(EventHeaders.time) as string;
  const contentType = values.get(EventHeaders.contentType) as string;

  if (specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new EventDecodeError(`${where}: unsupported ce_specversion ${JSON.stringify(specversion)}`, 'invalid-header');
  }
  if (!isRfc3339(time)) {
    throw new EventDecodeError(`${where}: ce_time ${JSON.stringify(time)} is not an RFC 3339 timestamp`, 'invalid-header');
  }
  if (mediaType(contentType) !== PROTOBUF_CONTENT_TYPE) {
    throw new EventDecodeError(
      `${where}: content-type ${JSON.stringify(contentType)} is not ${PROTOBUF_CONTENT_TYPE}`,
      'unsupported-content-type',
    );
  }
  if (type !== topic.eventType) {
    throw new EventDecodeError(`${where}: ce_type ${JSON.stringify(type)} is not ${topic.eventType}`, 'type-mismatch');
  }
  const dataschema = readHeader(headers, EventHeaders.dataschema) || undefined;
  if (dataschema !== undefined && dataschema !== topic.dataSchema) {
    throw new EventDecodeError(
      `${where}: ce_dataschema ${JSON.stringify(dataschema)} is not ${topic.dataSchema}`,
      'type-mismatch',
    );
  }

  if (message.value === null) {
    throw new EventDecodeError(`${where}: record has no value (tombstone)`, 'invalid-payload');
  }
  let data: Message;
  try {
    data = fromBinary(topic.schema, message.value);
  } catch (error) {
    throw new EventDecodeError(
      `${where}: value is not a valid ${topic.schema.typeName}: ${error instanceof Error ? error.message : String(error)}`,
      'invalid-payload',
      { cause: error },
    );
  }
  const keyField = keyFieldOf(topic);
  const keyValue = fieldValue(data, keyField);
  if (!keyValue) {
    throw new EventDecodeError(`${where}: ${topic.schema.typeName}.${keyField} is empty`, 'invalid-payload');
  }
  const key = message.key === null ? null : typeof message.key === 'string' ? message.key : message.key.toString('utf8');
  if (key !== null && key !== keyValue) {
    throw new EventDecodeError(
      `${where}: record key ${JSON.stringify(key)} is not the event's ${topic.key} ${JSON.stringify(keyValue)}`,
      'invalid-payload',
    );
  }

  const subject = readHeader(headers, EventHeaders.subject) || undefined;
  const traceHeaders: DecodedEvent['traceHeaders'] = {};
  for (const name of TRACE_HEADERS) {
    const value = readHeader(headers, name);
    if (value) traceHeaders[name] = value;
  }
  return {
    topic: topic.name,
    key,
    attributes: {
      id,
      type,
      source,
      specversion: CLOUDEVENTS_SPEC_VERSION,
      time,
      ...(subject !== undefined && { subject }),
      datacontenttype: contentType,
      ...(dataschema !== undefined && { dataschema }),
    },
    data,
    traceHeaders,
  };
}

/**
 * The value of header `name` as a UTF-8 string. kafkajs delivers header values as Buffers, and a
 * repeated header as an array (the first occurrence wins). An exact name match is preferred; a
 * case-insensitive one is accepted.
 */
export function readHeader(
  headers: Record<string, KafkaHeaderValue> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  let value = headers[name];
  if (value === undefined) {
    const lower = name.toLowerCase();
    const match = Object.keys(headers).find((candidate) => candidate.toLowerCase() === lower);
    if (match !== undefined) value = headers[match];
  }
  if (Array.isArray(value)) value = value[0];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

function fieldValue(message: Message, field: string): unknown {
  return (message as unknown as Record<string, unknown>)[field];
}

/** The media type of a Content-Type value, without parameters, lower-cased. */
function mediaType(contentType: string): string {
  return contentType.split(';', 1)[0].trim().toLowerCase();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}
