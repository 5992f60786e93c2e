import { randomBytes, randomUUID } from 'node:crypto';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { LeadChannel, Topics, decodeEvent, encodeEvent, type LeadCreated, type LeadStageChanged, type TopicDefinition } from '@leads/contracts';
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
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';

const ENTRY = 'dist/services/pipeline/src/main.js';
export const brokers = () => process.env.TEST_KAFKA_BROKERS!;

/** The pipeline service as its own process, on a database of its own, with a random internal token. */
export interface RunningPipeline {
  readonly baseUrl: string;
  readonly token: string;
  readonly database: TestDatabase;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

export async function startPipeline(label: string): Promise<RunningPipeline> {
  const database = await createTestDatabase(label);
  const token = randomBytes(24).toString('hex');
  const env = { DATABASE_URL: database.url, KAFKA_BROKERS: brokers(), INTERNAL_TOKEN: token, OTEL_SDK_DISABLED: 'true' };
  await runToCompletion({ name: 'pipeline-migrate', entry: ENTRY, args: ['migrate'], env });
  await startGroupsAtEnd(brokers(), ['pipeline']);
  const port = await freePort();
  const process = startServiceProcess({ name: 'pipeline', entry: ENTRY, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, baseUrl);
  return {
    baseUrl,
    token,
    database,
    process,
    stop: async () => {
      await process.stop();
      await database.drop();
    },
  };
}

export interface Reply<Body = any> {
  readonly status: number;
  readonly contentType: string;
  readonly body: Body;
}

export type Actor = { kind: 'user' | 'api_key' | 'system'; id: string };

/** Calls the internal API the way the gateway does: token, workspace and actor in headers. */
export function apiClient(service: RunningPipeline, workspaceId: string, actor: Actor = { kind: 'user', id: 'user-1' }) {
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: {
        'x-internal-token': service.token,
        'x-workspace-id': workspaceId,
        'x-actor-kind': actor.kind,
        'x-actor-id': actor.id,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Publishes events the way the other services do (CloudEvents binary mode, protobuf). */
export class EventPublisher {
  private readonly producer: Producer;

  constructor() {
    this.producer = new Kafka({ brokers: brokers().split(','), clientId: 'pipeline-test', logLevel: logLevel.ERROR }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** Returns the event id (`ce_id`); pass `id` to deliver the same event again. */
  async publish<Desc extends DescMessage>(topic: TopicDefinition<Desc>, key: string, data: MessageInitShape<Desc>, id?: string): Promise<string> {
    const record = encodeEvent(topic, data, { key, source: '/tests/pipeline', id });
    await this.send(record.topic, { key: record.key, value: record.value, headers: record.headers });
    return record.headers.ce_id;
  }

  async send(topic: string, message: { key: string; value: Buffer; headers: Record<string, string> }): Promise<void> {
    await this.producer.send({ topic, messages: [message] });
  }
}

/** Every `lead.stage-changed` on the topic, decoded, read by a consumer group of the test's own. */
export class StageChangedReader {
  readonly events: LeadStageChanged[] = [];
  private readonly consumer: Consumer;

  constructor() {
    this.consumer = new Kafka({ brokers: brokers().split(','), clientId: 'pipeline-test-reader', logLevel: logLevel.ERROR }).consumer({
      groupId: `pipeline-test-${randomUUID()}`,
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.leadStageChanged.name], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.events.push(decodeEvent(Topics.leadStageChanged, message).data);
      },
    });
  }

  stop = () => this.consumer.disconnect();

  of(leadId: string): LeadStageChanged[] {
    return this.events.filter((event) => event.leadId === leadId);
  }
}

export const newWorkspace = () => randomUUID();

/** The plain-object form of a LeadCreated payload. */
type LeadCreatedInit = Exclude<MessageInitShape<typeof Topics.leadCreated.schema>, LeadCreated>;

/** A lead.created payload for a new lead of the API channel. */
export function leadCreated(workspaceId: string, overrides: Partial<LeadCreatedInit> = {}): LeadCreatedInit & { leadId: string } {
  const leadId = overrides.leadId ?? randomUUID();
  return {
    workspaceId,
    profile: { email: `${leadId.slice(0, 8)}@example.com`, firstName: 'Ada', lastName: 'Lovelace', companyName: 'Analytical Engines' },
    source: { channel: LeadChannel.API },
    occurredAt: timestampFromDate(new Date()),
    ...overrides,
    leadId,
  };
}

/** Publishes `count` new leads and waits until each is placed on a pipeline. */
export async function seedLeads(events: EventPublisher, api: ApiClient, workspaceId: string, count: number, pipelineId?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const data = leadCreated(workspaceId, { pipelineId, profile: { email: `lead-${index}-${randomUUID().slice(0, 6)}@example.com`, firstName: `Lead ${index}` } });
    await events.publish(Topics.leadCreated, data.leadId, data);
    ids.push(data.leadId);
  }
  await expectEventually(
    async () => {
      for (const id of ids) {
        const lead = await api.get(`/v1/leads/${id}`);
        expect(lead.status).toBe(200);
        expect(lead.body.stageId).not.toBeNull();
      }
    },
    { description: `${count} seeded leads placed` },
  );
  return ids;
}

/** The workspace's default pipeline, once `workspace.created` (or a first lead) has made it. */
export async function defaultPipelineOf(api: ApiClient) {
  return expectEventually(
    async () => {
      const { body } = await api.get('/v1/pipelines');
      const pipeline = body.items.find((item: { isDefault: boolean }) => item.isDefault);
      expect(pipeline).toBeDefined();
      return pipeline as { id: string; version: number; stages: Array<{ id: string; name: string; kind: string; color: string; position: number }> };
    },
    { description: 'the default pipeline' },
  );
}

/** Waits until the service's consumer has handled (or skipped as a duplicate) the event. */
export async function handled(service: RunningPipeline, eventId: string): Promise<void> {
  await expectEventually(
    async () => expect(await queryDatabase(service.database.url, `SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [eventId])).toHaveLength(1),
    { description: `event ${eventId} handled` },
  );
}
