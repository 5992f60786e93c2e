import { randomBytes, randomUUID } from 'node:crypto';
import type { DescMessage, JsonObject, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  EmailClass,
  LeadChannel,
  MxStatus,
  Topics,
  decodeEvent,
  encodeEvent,
  type LeadFailed,
  type LeadScored,
  type TopicDefinition,
} from '@leads/contracts';
import {
  createTestDatabase,
  expectEventually,
  freePort,
  queryDatabase,
  runToCompletion,
  startGroupsAtEnd,
  startServiceProcess,
  waitUntilReady,
  type DevModel,
  type DevModelRequest,
  type ServiceProcess,
  type TestDatabase,
} from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';

const ENTRY = 'dist/services/scoring/src/main.js';
export const brokers = () => process.env.TEST_KAFKA_BROKERS!;

export interface RunningScoring {
  readonly baseUrl: string;
  readonly database: TestDatabase;
  readonly process: ServiceProcess;
  query<Row = Record<string, any>>(sql: string, params?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

/** Settings that keep retries quick in tests (the defaults wait seconds between attempts). */
export const fastRetries = {
  SCORING_MAX_ATTEMPTS: '3',
  SCORING_RETRY_BASE_MS: '50',
  SCORING_RETRY_MAX_MS: '200',
  SCORING_TIMEOUT_MS: '1500',
  SCORING_POLL_INTERVAL_MS: '200',
};

/** The scoring service as its own process, on a database of its own. */
export async function startScoring(label: string, env: Record<string, string>): Promise<RunningScoring> {
  const database = await createTestDatabase(label);
  const base = { DATABASE_URL: database.url, KAFKA_BROKERS: brokers(), INTERNAL_TOKEN: randomBytes(24).toString('hex') };
  await runToCompletion({ name: 'scoring-migrate', entry: ENTRY, args: ['migrate'], env: { ...base, OTEL_SDK_DISABLED: 'true' } });
  // The service reads what is published from now on, not what other test files left on the broker.
  await startGroupsAtEnd(brokers(), ['scoring'], [Topics.leadEnriched.name, Topics.leadAnalysisRequested.name]);
  const port = await freePort();
  const process = startServiceProcess({
    name: 'scoring',
    entry: ENTRY,
    env: { OTEL_TRACES_EXPORTER: 'none', ...base, ...env, PORT: String(port), HOST: '127.0.0.1' },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, baseUrl);
  return {
    baseUrl,
    database,
    process,
    query: (sql, params) => queryDatabase(database.url, sql, params),
    stop: async () => {
      await process.stop();
      await database.drop();
    },
  };
}

/** Publishes events the way the other services do (CloudEvents binary mode, protobuf). */
export class EventPublisher {
  private readonly producer: Producer;

  constructor() {
    this.producer = new Kafka({ brokers: brokers().split(','), clientId: 'scoring-test', logLevel: logLevel.ERROR }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** Returns the event id (`ce_id`); pass `id` to deliver the same event again. */
  async publish<Desc extends DescMessage>(
    topic: TopicDefinition<Desc>,
    key: string,
    data: MessageInitShape<Desc>,
    options: { id?: string; traceparent?: string } = {},
  ): Promise<string> {
    const record = encodeEvent(topic, data, {
      key,
      source: '/tests/scoring',
      id: options.id,
      traceHeaders: options.traceparent ? { traceparent: options.traceparent } : undefined,
    });
    await this.producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
    return record.headers.ce_id;
  }
}

export interface Outcome<T> {
  data: T;
  headers: Record<string, string>;
}

/** Every lead.scored and lead.failed on the topics, decoded, read by a consumer group of the test's own. */
export class OutcomeReader {
  readonly scored: Outcome<LeadScored>[] = [];
  readonly failed: Outcome<LeadFailed>[] = [];
  private readonly consumer: Consumer;

  private readonly groupId = `scoring-test-${randomUUID()}`;

  constructor() {
    this.consumer = new Kafka({ brokers: brokers().split(','), clientId: 'scoring-test-reader', logLevel: logLevel.NOTHING }).consumer({ groupId: this.groupId });
  }

  async start(): Promise<void> {
    // From the end of the topics: other test files leave a backlog on the shared broker.
    await startGroupsAtEnd(brokers(), [this.groupId], [Topics.leadScored.name, Topics.leadFailed.name]);
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.leadScored.name, Topics.leadFailed.name], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        if (topic === Topics.leadScored.name) this.scored.push({ data: decodeEvent(Topics.leadScored, message).data, headers });
        else this.failed.push({ data: decodeEvent(Topics.leadFailed, message).data, headers });
      },
    });
  }

  stop = () => this.consumer.disconnect();

  scoredOf = (leadId: string) => this.scored.filter((event) => event.data.leadId === leadId);
  failedOf = (leadId: string) => this.failed.filter((event) => event.data.leadId === leadId);

  async waitScored(leadId: string, description = `lead ${leadId} scored`): Promise<Outcome<LeadScored>> {
    return expectEventually(
      () => {
        const [event] = this.scoredOf(leadId);
        expect(event).toBeDefined();
        return event;
      },
      { description },
    );
  }

  async waitFailed(leadId: string, description = `lead ${leadId} failed`): Promise<Outcome<LeadFailed>> {
    return expectEventually(
      () => {
        const [event] = this.failedOf(leadId);
        expect(event).toBeDefined();
        return event;
      },
      { description },
    );
  }
}

type LeadEnrichedInit = Exclude<MessageInitShape<typeof Topics.leadEnriched.schema>, { $typeName: string }>;

/**
 * A lead.enriched payload: a personal (Gmail) address with MX, so that enrichment infers no
 * company; `customFields` and `profile` add to it. The email is unique, so the model's request
 * log can be searched for it.
 */
export function leadEnriched(
  workspaceId: string,
  options: { customFields?: JsonObject; profile?: Record<string, string>; emailClass?: EmailClass } = {},
): LeadEnrichedInit & { leadId: string; email: string } {
  const leadId = randomUUID();
  const email = `lead-${leadId.slice(0, 8)}@gmail.com`;
  return {
    leadId,
    email,
    workspaceId,
    submissionId: randomUUID(),
    profile: { email, firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Head of Operations', country: 'GB', ...options.profile, customFields: options.customFields ?? {} },
    source: { channel: LeadChannel.API },
    enrichment: {
      email: { syntaxValid: true, domain: 'gmail.com', mxStatus: MxStatus.VALID, mxHosts: ['gmail-smtp-in.l.google.com'] },
      emailClass: options.emailClass ?? EmailClass.PERSONAL,
    },
    occurredAt: timestampFromDate(new Date()),
  };
}

/** The requests the model received about the lead with this email. */
export async function requestsAbout(model: DevModel, email: string): Promise<DevModelRequest[]> {
  return (await model.requests()).filter((request) => JSON.stringify(request.body).includes(email));
}

/** The user message of a chat completions request, and the delimited lead data in it (checked to be one JSON line between the delimiters the system message names). */
export function delimitedLead(request: DevModelRequest): { data: any; system: string; user: string } {
  const messages = request.body.messages ?? [];
  expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
  const [system, user] = messages.map((message) => message.content);
  const id = /"BEGIN LEAD DATA ([0-9a-f]+)"/.exec(system)?.[1];
  expect(id).toMatch(/^[0-9a-f]{16}$/);
  const lines = user.split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[1]).toBe(`BEGIN LEAD DATA ${id}`);
  expect(lines[3]).toBe(`END LEAD DATA ${id}`);
  expect(user.split(`END LEAD DATA ${id}`)).toHaveLength(2);
  return { data: JSON.parse(lines[2]), system, user };
}

export const newWorkspace = () => randomUUID();

/** A W3C traceparent with a fresh trace id. */
export function newTraceparent(): { traceparent: string; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
}
