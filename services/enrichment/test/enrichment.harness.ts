import { randomBytes, randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  IntakeOutcome,
  LeadChannel,
  Topics,
  decodeEvent,
  encodeEvent,
  type LeadCreated,
  type LeadEnriched,
  type LeadFailed,
} from '@leads/contracts';
import { deadLetterTopic } from '@leads/messaging';
import {
  createTestDatabase,
  expectEventually,
  freePort,
  queryDatabase,
  runToCompletion,
  startGroupsAtEnd,
  startServiceProcess,
  waitUntilReady,
  type ServiceProcess,
  type TestDatabase,
} from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Consumer, type IHeaders, type Producer } from 'kafkajs';

const ENTRY = 'dist/services/enrichment/src/main.js';
export const DEAD_LETTERS = deadLetterTopic('enrichment');
export const brokers = () => process.env.TEST_KAFKA_BROKERS!;

/** The enrichment service as its own process, on a database of its own, asking the given DNS server. */
export interface RunningEnrichment {
  readonly baseUrl: string;
  readonly database: TestDatabase;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

export async function startEnrichment(label: string, env: Record<string, string>): Promise<RunningEnrichment> {
  const database = await createTestDatabase(label);
  // The broker is shared by every test file of the run: the service's group starts where
  // lead.created ends now, not behind what other files published (e.g. a 100,000-row import).
  await startGroupsAtEnd(brokers(), ['enrichment'], [Topics.leadCreated.name]);
  const common = { DATABASE_URL: database.url, KAFKA_BROKERS: brokers(), INTERNAL_TOKEN: randomBytes(24).toString('hex'), OTEL_SDK_DISABLED: 'true' };
  await runToCompletion({ name: 'enrichment-migrate', entry: ENTRY, args: ['migrate'], env: common });
  const port = await freePort();
  const process = startServiceProcess({ name: 'enrichment', entry: ENTRY, env: { ...common, ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, baseUrl);
  return {
    baseUrl,
    database,
    process,
    stop: async () => {
      await process.stop();
      await database.drop();
    },
  };
}

/** Publishes events the way the gateway does (CloudEvents binary mode, protobuf). */
export class EventPublisher {
  private readonly producer: Producer;

  constructor() {
    this.producer = new Kafka({ brokers: brokers().split(','), clientId: 'enrichment-test', logLevel: logLevel.ERROR }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** Publishes a `lead.created`; returns its event id (`ce_id`). Pass `id` to deliver the same event again. */
  async leadCreated(data: LeadCreatedInit & { leadId: string }, id?: string): Promise<string> {
    const record = encodeEvent(Topics.leadCreated, data, { key: data.leadId, source: '/tests/enrichment', id });
    await this.send(record.topic, { key: record.key, value: record.value, headers: record.headers });
    return record.headers.ce_id;
  }

  /** Publishes many `lead.created` in one request, each under its lead's key (spread over the partitions). */
  async leadCreatedMany(leads: ReadonlyArray<LeadCreatedInit & { leadId: string }>): Promise<void> {
    const records = leads.map((data) => encodeEvent(Topics.leadCreated, data, { key: data.leadId, source: '/tests/enrichment' }));
    await this.producer.send({ topic: Topics.leadCreated.name, messages: records.map(({ key, value, headers }) => ({ key, value, headers })) });
  }

  async send(topic: string, message: { key: string; value: Buffer; headers: Record<string, string> }): Promise<void> {
    await this.producer.send({ topic, messages: [message] });
  }
}

export interface DeadLetter {
  readonly key: string;
  readonly headers: Record<string, string>;
}

/** Everything enrichment produces from now on, read back by a consumer group of the test's own: `lead.enriched`, `lead.failed`, the dead letters. */
export class OutputReader {
  readonly enriched: LeadEnriched[] = [];
  readonly failed: LeadFailed[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly consumer: Consumer;
  private readonly groupId = `enrichment-test-${randomUUID()}`;

  constructor() {
    this.consumer = new Kafka({ brokers: brokers().split(','), clientId: 'enrichment-test-reader', logLevel: logLevel.ERROR }).consumer({
      groupId: this.groupId,
    });
  }

  async start(): Promise<void> {
    await startGroupsAtEnd(brokers(), [this.groupId], [Topics.leadEnriched.name, Topics.leadFailed.name, DEAD_LETTERS]);
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.leadEnriched.name, Topics.leadFailed.name, DEAD_LETTERS], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === Topics.leadEnriched.name) this.enriched.push(decodeEvent(Topics.leadEnriched, message).data);
        else if (topic === Topics.leadFailed.name) this.failed.push(decodeEvent(Topics.leadFailed, message).data);
        else this.deadLetters.push({ key: message.key?.toString() ?? '', headers: textHeaders(message.headers) });
      },
    });
  }

  stop = () => this.consumer.disconnect();

  enrichedOf = (leadId: string) => this.enriched.filter((event) => event.leadId === leadId);
  failedOf = (leadId: string) => this.failed.filter((event) => event.leadId === leadId);
  deadLettersOf = (key: string) => this.deadLetters.filter((letter) => letter.key === key);

  /** Waits for the lead's `lead.enriched` number `count` (the first by default) and returns it. */
  async nextEnriched(leadId: string, count = 1): Promise<LeadEnriched> {
    return expectEventually(
      () => {
        expect(this.enrichedOf(leadId).length).toBeGreaterThanOrEqual(count);
        return this.enrichedOf(leadId)[count - 1];
      },
      { description: `lead.enriched #${count} of ${leadId}` },
    );
  }
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]));
}

/** The plain-object form of a LeadCreated payload. */
export type LeadCreatedInit = Exclude<MessageInitShape<typeof Topics.leadCreated.schema>, LeadCreated>;

/** A `lead.created` of a new lead, submitted through a form with UTM parameters. */
export function leadCreated(email: string, overrides: Partial<LeadCreatedInit> = {}): LeadCreatedInit & { leadId: string; workspaceId: string } {
  const leadId = overrides.leadId ?? randomUUID();
  const workspaceId = overrides.workspaceId ?? randomUUID();
  return {
    workspaceId,
    profile: {
      email,
      firstName: 'Bill',
      lastName: 'Lumbergh',
      phone: '+1 555 0100',
      jobTitle: 'Division VP',
      customFields: { employees: 120, tps_reports: true },
    },
    source: { channel: LeadChannel.FORM, sourceId: randomUUID(), sourceName: 'Contact us', pageUrl: 'https://initech.example/contact' },
    utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
    submissionId: randomUUID(),
    outcome: IntakeOutcome.NEW,
    occurredAt: timestampFromDate(new Date()),
    ...overrides,
    leadId,
  };
}

/** The lead's row in `lead_enrichments`, once there is one. */
export async function enrichmentRow(service: RunningEnrichment, leadId: string): Promise<Record<string, any>> {
  return expectEventually(
    async () => {
      const [row] = await queryDatabase(service.database.url, `SELECT * FROM lead_enrichments WHERE lead_id = $1`, [leadId]);
      expect(row).toBeDefined();
      return row;
    },
    { description: `the enrichment row of ${leadId}` },
  );
}
