import { create, fromBinary, toBinary, type JsonObject, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  decodeEvent,
  encodeEvent,
  EventDecodeError,
  newEventId,
  readHeader,
  type EncodedEvent,
  type EventDecodeErrorReason,
  type IncomingKafkaMessage,
} from './cloud-event.codec';
import { ActorKind } from './gen/leads/v1/actor_pb';
import { EmailClass, GeolocationMethod, MxStatus } from './gen/leads/v1/enrichment_pb';
import { IntakeOutcome, LeadCreatedSchema } from './gen/leads/v1/lead_created_pb';
import { FailureStage } from './gen/leads/v1/lead_failed_pb';
import { LeadChannel, Qualification } from './gen/leads/v1/lead_pb';
import { MoveChannel, StageKind } from './gen/leads/v1/pipeline_pb';
import { allTopics, Topics, type TopicByName, type TopicName } from './topics';

const LEAD_ID = '0197a1e2-3b4c-7d5e-8f60-718293a4b5c6';
const WORKSPACE_ID = '0197a1e2-0000-7000-8000-000000000001';
const OCCURRED_AT = new Date('2026-11-26T05:50:12.345Z');
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const profile = {
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+44 20 7946 0000',
  companyName: 'Analytical Engines Ltd',
  jobTitle: 'Head of Computing',
  website: 'https://example.com',
  country: 'United Kingdom',
  region: 'England',
  city: 'London',
  customFields: { budget: 25000, newsletter: true },
};
const source = {
  channel: LeadChannel.FORM,
  sourceId: '0197a1e2-0000-7000-8000-0000000000f0',
  sourceName: 'Pricing page',
  referrer: 'https://www.google.com/',
  pageUrl: 'https://example.com/pricing',
  userAgent: 'Mozilla/5.0',
};
const utm = { source: 'google', medium: 'cpc', campaign: 'winter', term: 'lead scoring', content: 'ad-b' };
const enrichment = {
  email: { syntaxValid: true, domain: 'example.com', mxStatus: MxStatus.VALID, mxHosts: ['mx1.example.com', 'mx2.example.com'] },
  emailClass: EmailClass.BUSINESS,
  geolocation: {
    countryCode: 'GB',
    region: 'England',
    city: 'London',
    latitude: 51.5072,
    longitude: -0.1276,
    method: GeolocationMethod.IP_ADDRESS,
    provider: 'dbip-city-lite 2026-11',
    attribution: 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0',
  },
  company: { name: 'Example', domain: 'example.com', confidence: 0.8 },
};
const occurredAt = timestampFromDate(OCCURRED_AT);

/** One realistic payload per topic, every field set. */
const samples = {
  'lead.created': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    pipelineId: '0197a1e2-0000-7000-8000-0000000000a1',
    profile,
    source,
    utm,
    ipAddress: '203.0.113.7',
    submissionId: '0197a1e2-0000-7000-8000-0000000000b1',
    outcome: IntakeOutcome.NEW,
    submittedBy: { kind: ActorKind.SYSTEM, id: 'ingest' },
    occurredAt,
  },
  'lead.enriched': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    profile,
    source,
    utm,
    enrichment,
    submissionId: '0197a1e2-0000-7000-8000-0000000000b1',
    occurredAt,
  },
  'lead.scored': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    score: 87,
    qualification: Qualification.HOT,
    reason: 'Decision maker at a business domain, visited pricing.',
    companyName: 'Analytical Engines Ltd',
    model: 'gpt-4.1-mini',
    promptVersion: '2026-11-01',
    analysisId: '0197a1e2-0000-7000-8000-0000000000c1',
    attemptId: '0197a1e2-0000-7000-8000-0000000000c2',
    attemptNumber: 2,
    profile,
    source,
    utm,
    enrichment,
    occurredAt,
  },
  'lead.failed': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    stage: FailureStage.SCORING,
    reason: 'The AI model did not answer within 30 s, 3 times.',
    errorCode: 'llm_timeout',
    retryable: true,
    attemptCount: 3,
    analysisId: '0197a1e2-0000-7000-8000-0000000000c1',
    occurredAt,
  },
  'lead.stage-changed': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    pipelineId: '0197a1e2-0000-7000-8000-0000000000a2',
    fromStageId: '0197a1e2-0000-7000-8000-0000000000d1',
    fromStageKind: StageKind.OPEN,
    toStageId: '0197a1e2-0000-7000-8000-0000000000d2',
    toStageKind: StageKind.WIN,
    fromPipelineId: '0197a1e2-0000-7000-8000-0000000000a1',
    fromStageName: 'Qualified',
    toStageName: 'Won',
    actor: { kind: ActorKind.USER, id: '0197a1e2-0000-7000-8000-0000000000e1', displayName: 'Grace' },
    channel: MoveChannel.BULK,
    bulkMoveId: '0197a1e2-0000-7000-8000-0000000000e2',
    occurredAt,
  },
  'lead.analysis-requested': {
    leadId: LEAD_ID,
    workspaceId: WORKSPACE_ID,
    requestedBy: { kind: ActorKind.API_KEY, id: '0197a1e2-0000-7000-8000-0000000000e3' },
    reason: 'retry after outage',
    occurredAt,
  },
  'workspace.created': {
    workspaceId: WORKSPACE_ID,
    name: 'Acme Sales',
    createdByUserId: '0197a1e2-0000-7000-8000-0000000000e1',
    occurredAt,
  },
} satisfies { [N in TopicName]: MessageInitShape<TopicByName<N>['schema']> };

function keyOf(name: TopicName): string {
  return name === 'workspace.created' ? WORKSPACE_ID : LEAD_ID;
}

function encodeSample(name: TopicName, options: Partial<Parameters<typeof encodeEvent>[2]> = {}): EncodedEvent {
  const topic = allTopics.find((t) => t.name === name)!;
  return encodeEvent(topic, samples[name], { key: keyOf(name), source: '/services/test', ...options });
}

/** The record as a kafkajs consumer receives it: key, value and header values are Buffers. */
function asConsumed(event: EncodedEvent): IncomingKafkaMessage {
  return {
    key: Buffer.from(event.key),
    value: event.value,
    headers: Object.fromEntries(Object.entries(event.headers).map(([name, value]) => [name, Buffer.from(value)])),
  };
}

function decodeErrorOf(run: () => unknown): EventDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error('expected an EventDecodeError, nothing was thrown');
}

describe('encodeEvent / decodeEvent round trip', () => {
  it.each(allTopics.map((t) => t.name as TopicName))('%s: a consumer gets back every field', (name) => {
    const topic = allTopics.find((t) => t.name === name)!;
    const event = encodeSample(name);

    expect(event.topic).toBe(name);
    expect(event.key).toBe(keyOf(name));
    const decoded = decodeEvent(name, asConsumed(event));

    expect(decoded.topic).toBe(name);
    expect(decoded.key).toBe(keyOf(name));
    expect(decoded.data).toEqual(create(topic.schema, samples[name]));
    expect(decoded.attributes).toEqual({
      id: event.headers['ce_id'],
      type: topic.eventType,
      source: '/services/test',
      specversion: '1.0',
      time: '2026-11-26T05:50:12.345Z',
      subject: keyOf(name),
      datacontenttype: 'application/protobuf',
      dataschema: topic.dataSchema,
    });
    // The value is the plain Protobuf message: any Protobuf library reads it without this codec.
    expect(fromBinary(topic.schema, event.value)).toEqual(create(topic.schema, samples[name]));
  });

  it('types the payload by topic name', () => {
    const decoded = decodeEvent('lead.scored', asConsumed(encodeSample('lead.scored')));
    const score: number = decoded.data.score;
    const qualification: Qualification = decoded.data.qualification;
    expect([score, qualification, decoded.data.enrichment?.company?.domain]).toEqual([87, Qualification.HOT, 'example.com']);
  });

  it('decodes with a topic definition as well as a name', () => {
    const decoded = decodeEvent(Topics.leadFailed, asConsumed(encodeSample('lead.failed')));
    expect([decoded.data.stage, decoded.data.retryable, decoded.data.attemptCount]).toEqual([FailureStage.SCORING, true, 3]);
  });

  it('accepts string keys and header values, as a non-kafkajs client may give them', () => {
    const event = encodeSample('lead.created');
    const decoded = decodeEvent('lead.created', { key: event.key, value: event.value, headers: { ...event.headers } });
    expect(decoded.data.profile?.email).toBe('ada@example.com');
  });

  it('accepts a record without key (decoding does not depend on it)', () => {
    const decoded = decodeEvent('lead.created', { ...asConsumed(encodeSample('lead.created')), key: null });
    expect(decoded.key).toBeNull();
    expect(decoded.data.leadId).toBe(LEAD_ID);
  });

  it('keeps the distinction between an absent and an empty optional field', () => {
    const topic = Topics.leadStageChanged;
    const data = { ...samples['lead.stage-changed'], fromPipelineId: undefined };
    const decoded = decodeEvent(topic, asConsumed(encodeEvent(topic, data, { key: LEAD_ID, source: '/s' })));
    expect(decoded.data.fromPipelineId).toBeUndefined();
    const withEmpty = { ...samples['lead.scored'], companyName: '' };
    const scored = decodeEvent(Topics.leadScored, asConsumed(encodeEvent(Topics.leadScored, withEmpty, { key: LEAD_ID, source: '/s' })));
    expect(scored.data.companyName).toBe('');
  });
});

describe('CloudEvents headers', () => {
  it('sets every binary-mode header to its documented value', () => {
    const event = encodeSample('lead.created', { time: new Date('2026-11-26T06:00:00.000Z') });
    expect(event.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: expect.stringMatching(UUID_V7),
      ce_type: 'io.500leads.lead.created.v1',
      ce_source: '/services/test',
      ce_time: '2026-11-26T06:00:00.000Z',
      ce_subject: LEAD_ID,
      ce_dataschema: 'buf:leads.v1.LeadCreated',
      'content-type': 'application/protobuf',
    });
  });

  it('uses the workspace id as subject on workspace.created', () => {
    const event = encodeSample('workspace.created');
    expect([event.key, event.headers['ce_subject'], event.headers['ce_type']]).toEqual([
      WORKSPACE_ID,
      WORKSPACE_ID,
      'io.500leads.workspace.created.v1',
    ]);
  });

  it('gives each event a new UUIDv7 id unless one is given (outbox re-publishing)', () => {
    const first = encodeSample('lead.failed').headers['ce_id'];
    const second = encodeSample('lead.failed').headers['ce_id'];
    expect(first).toMatch(UUID_V7);
    expect(second).not.toBe(first);
    const stored = newEventId();
    expect(encodeSample('lead.failed', { id: stored }).headers['ce_id']).toBe(stored);
  });

  it('takes ce_time from occurred_at when no time is given, and fills occurred_at from the time when absent', () => {
    expect(encodeSample('lead.created').headers['ce_time']).toBe('2026-11-26T05:50:12.345Z');

    const time = new Date('2026-12-01T10:00:00.500Z');
    const data = { ...samples['lead.analysis-requested'], occurredAt: undefined };
    const event = encodeEvent(Topics.leadAnalysisRequested, data, { key: LEAD_ID, source: '/s', time });
    expect(event.headers['ce_time']).toBe('2026-12-01T10:00:00.500Z');
    const decoded = decodeEvent('lead.analysis-requested', asConsumed(event));
    expect(timestampDate(decoded.data.occurredAt!).toISOString()).toBe('2026-12-01T10:00:00.500Z');
  });

  it('does not modify a message passed as data', () => {
    const message = create(LeadCreatedSchema, { ...samples['lead.created'], occurredAt: undefined });
    encodeEvent(Topics.leadCreated, message, { key: LEAD_ID, source: '/s' });
    expect(message.occurredAt).toBeUndefined();
  });

  it('passes W3C trace context through, and only that', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = encodeSample('lead.scored', {
      traceHeaders: { traceparent, tracestate: 'vendor=abc', baggage: 'user=1' },
    });
    expect(event.headers['traceparent']).toBe(traceparent);
    expect(event.headers['tracestate']).toBe('vendor=abc');
    expect(event.headers).not.toHaveProperty('baggage');
    expect(decodeEvent('lead.scored', asConsumed(event)).traceHeaders).toEqual({ traceparent, tracestate: 'vendor=abc' });

    const untraced = encodeSample('lead.scored');
    expect(Object.keys(untraced.headers)).not.toContain('traceparent');
    expect(decodeEvent('lead.scored', asConsumed(untraced)).traceHeaders).toEqual({});
  });

  it('refuses a key that is not the event’s lead id', () => {
    expect(() => encodeEvent(Topics.leadScored, samples['lead.scored'], { key: WORKSPACE_ID, source: '/s' })).toThrow(
      /key must be the event's lead id/,
    );
    expect(() => encodeEvent(Topics.workspaceCreated, samples['workspace.created'], { key: LEAD_ID, source: '/s' })).toThrow(
      /key must be the event's workspace id/,
    );
    expect(() => encodeEvent(Topics.leadScored, samples['lead.scored'], { key: LEAD_ID, source: '' })).toThrow(/source/);
  });
});

describe('readHeader', () => {
  it('reads kafkajs header values: Buffers, strings, repeated headers, any case', () => {
    const headers = { ce_id: Buffer.from('a'), ce_type: 't', ce_source: [Buffer.from('first'), 'second'], 'Content-Type': 'x' };
    expect(readHeader(headers, 'ce_id')).toBe('a');
    expect(readHeader(headers, 'ce_type')).toBe('t');
    expect(readHeader(headers, 'ce_source')).toBe('first');
    expect(readHeader(headers, 'content-type')).toBe('x');
    expect(readHeader(headers, 'ce_time')).toBeUndefined();
    expect(readHeader(undefined, 'ce_id')).toBeUndefined();
  });
});

describe('decodeEvent rejects what is not a valid event of the topic', () => {
  const valid = () => asConsumed(encodeSample('lead.created'));
  const withHeaders = (changes: Record<string, string | undefined>): IncomingKafkaMessage => {
    const message = valid();
    return { ...message, headers: { ...message.headers, ...changes } };
  };
  const reason = (topic: string, message: IncomingKafkaMessage): EventDecodeErrorReason =>
    decodeErrorOf(() => decodeEvent(topic, message)).reason;

  it('unknown-topic', () => {
    const error = decodeErrorOf(() => decodeEvent('lead.deleted', valid()));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EventDecodeError');
    expect(error.reason).toBe('unknown-topic');
    expect(error.message).toContain('lead.deleted');
  });

  it.each(['ce_id', 'ce_type', 'ce_source', 'ce_specversion', 'ce_time', 'content-type'])(
    'missing-header: %s absent or empty',
    (header) => {
      const error = decodeErrorOf(() => decodeEvent('lead.created', withHeaders({ [header]: undefined })));
      expect([error.reason, error.message]).toEqual(['missing-header', expect.stringContaining(header)]);
      expect(reason('lead.created', withHeaders({ [header]: '' }))).toBe('missing-header');
    },
  );

  it('missing-header: no headers at all', () => {
    expect(reason('lead.created', { ...valid(), headers: undefined })).toBe('missing-header');
  });

  it('invalid-header: another CloudEvents version or a time that is not RFC 3339', () => {
    expect(reason('lead.created', withHeaders({ ce_specversion: '0.3' }))).toBe('invalid-header');
    expect(reason('lead.created', withHeaders({ ce_time: 'yesterday' }))).toBe('invalid-header');
    expect(reason('lead.created', withHeaders({ ce_time: '2026-11-26' }))).toBe('invalid-header');
    expect(reason('lead.created', withHeaders({ ce_time: '2026-13-45T99:00:00Z' }))).toBe('invalid-header');
    // Offsets and any fraction are RFC 3339 too.
    expect(decodeEvent('lead.created', withHeaders({ ce_time: '2026-11-26T06:50:12.345678+01:00' })).attributes.time).toBe(
      '2026-11-26T06:50:12.345678+01:00',
    );
  });

  it('unsupported-content-type: JSON, structured mode, or none of ours', () => {
    for (const contentType of ['application/json', 'application/cloudevents+json', 'text/plain', 'application/x-protobuf']) {
      expect([contentType, reason('lead.created', withHeaders({ 'content-type': contentType }))]).toEqual([
        contentType,
        'unsupported-content-type',
      ]);
    }
    // Parameters and letter case do not change the media type.
    expect(decodeEvent('lead.created', withHeaders({ 'content-type': 'Application/Protobuf; proto=leads.v1.LeadCreated' })).data.leadId).toBe(
      LEAD_ID,
    );
  });

  it('type-mismatch: ce_type or ce_dataschema of another event', () => {
    expect(reason('lead.created', withHeaders({ ce_type: 'io.500leads.lead.scored.v1' }))).toBe('type-mismatch');
    expect(reason('lead.created', withHeaders({ ce_type: 'io.500leads.lead.created.v2' }))).toBe('type-mismatch');
    expect(reason('lead.created', withHeaders({ ce_dataschema: 'buf:leads.v1.LeadScored' }))).toBe('type-mismatch');
    // A lead.scored record read from the lead.created topic.
    expect(reason('lead.created', asConsumed(encodeSample('lead.scored')))).toBe('type-mismatch');
  });

  it('type-mismatch is not raised when the optional ce_dataschema is absent', () => {
    expect(decodeEvent('lead.created', withHeaders({ ce_dataschema: undefined })).attributes).not.toHaveProperty('dataschema');
  });

  it('invalid-payload: tombstone, bytes that are not the message, no lead id, key that is not the lead id', () => {
    expect(reason('lead.created', { ...valid(), value: null })).toBe('invalid-payload');

    const garbage = decodeErrorOf(() => decodeEvent('lead.created', { ...valid(), value: Buffer.from([0x0a, 0xff, 0xff, 0xff]) }));
    expect(garbage.reason).toBe('invalid-payload');
    expect(garbage.cause).toBeInstanceOf(Error);

    // lead_id (field 1) written as a varint instead of a string: the wire type does not match the schema.
    expect(reason('lead.created', { ...valid(), value: Buffer.from([0x08, 0x01]) })).toBe('invalid-payload');

    const noLeadId = toBinary(LeadCreatedSchema, create(LeadCreatedSchema, { ...samples['lead.created'], leadId: '' }));
    // Without a record key too: an event without its lead id is invalid on its own.
    expect(reason('lead.created', { ...valid(), key: null, value: Buffer.from(noLeadId) })).toBe('invalid-payload');
    expect(reason('lead.created', { ...valid(), key: null, value: Buffer.alloc(0) })).toBe('invalid-payload');

    expect(reason('lead.created', { ...valid(), key: Buffer.from('0197a1e2-ffff-7fff-bfff-ffffffffffff') })).toBe('invalid-payload');
  });
});

describe('custom fields', () => {
  it('survive the round trip under any name, with any JSON value', () => {
    const customFields: JsonObject = {
      'How did you hear about us?': 'A friend',
      'Favourite colour 🎨': 'teal',
      'utm_id': 'abc',
      'a.b.c': 'dotted',
      '$ref': 'dollar',
      '': 'empty name',
      '  padded  ': ' padded value ',
      employees: 250,
      revenue: -1234.5,
      consent: false,
      fax: null,
      interests: ['pricing', 42, true, null, { nested: ['deep'] }],
      address: { street: '1 Main St', geo: { lat: 48.85, lon: 2.35 }, tags: [] },
      emptyObject: {},
    };
    const data = { ...samples['lead.created'], profile: { ...profile, customFields } };
    const event = encodeEvent(Topics.leadCreated, data, { key: LEAD_ID, source: '/s' });

    const decoded = decodeEvent('lead.created', asConsumed(event));

    expect(decoded.data.profile?.customFields).toEqual(customFields);
  });
});

describe('newEventId', () => {
  it('returns UUIDv7s carrying the current time, ordered by creation even within one millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => newEventId());
    const after = Date.now();

    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const millis = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis(ids[0])).toBeGreaterThanOrEqual(before);
    expect(millis(ids[ids.length - 1])).toBeLessThanOrEqual(after);
  });
});
