import { randomBytes, randomUUID } from 'node:crypto';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EmailClass, LeadChannel, Qualification, StageKind, Topics, encodeEvent, type TopicDefinition } from '@leads/contracts';
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
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';

const ENTRY = 'dist/services/sequences/src/main.js';
export const brokers = () => process.env.TEST_KAFKA_BROKERS!;
export const PUBLIC_URL = 'http://gateway.test';

/** Quick scheduling for tests (the defaults poll every second and retry after a minute). */
export const quickScheduler = {
  SEQUENCES_POLL_INTERVAL_MS: '100',
  SEQUENCES_RETRY_BASE_MS: '100',
  SEQUENCES_RETRY_MAX_MS: '300',
};

/** One or more sequences processes (replicas) on one database of their own, sharing an internal token. */
export interface RunningSequences {
  readonly replicas: Array<{ readonly baseUrl: string; readonly process: ServiceProcess }>;
  /** The first replica's base URL. */
  readonly baseUrl: string;
  readonly token: string;
  readonly database: TestDatabase;
  query<Row = Record<string, any>>(sql: string, params?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

export async function startSequences(label: string, env: Record<string, string>, replicas = 1): Promise<RunningSequences> {
  const database = await createTestDatabase(label);
  const token = randomBytes(24).toString('hex');
  const base = { DATABASE_URL: database.url, KAFKA_BROKERS: brokers(), INTERNAL_TOKEN: token, PUBLIC_URL, OTEL_SDK_DISABLED: 'true', ...env };
  await runToCompletion({ name: 'sequences-migrate', entry: ENTRY, args: ['migrate'], env: base });
  await startGroupsAtEnd(brokers(), ['sequences']);
  const started = await Promise.all(
    Array.from({ length: replicas }, async () => {
      const port = await freePort();
      const process = startServiceProcess({ name: 'sequences', entry: ENTRY, env: { ...base, PORT: String(port), HOST: '127.0.0.1' } });
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitUntilReady(process, baseUrl);
      return { baseUrl, process };
    }),
  );
  return {
    replicas: started,
    baseUrl: started[0].baseUrl,
    token,
    database,
    query: (sql, params) => queryDatabase(database.url, sql, params),
    stop: async () => {
      await Promise.all(started.map((replica) => replica.process.stop()));
      await database.drop();
    },
  };
}

export interface Reply<Body = any> {
  readonly status: number;
  readonly contentType: string;
  readonly body: Body;
}

/** Calls the internal API the way the gateway does: token, workspace and actor in headers. */
export function apiClient(service: Pick<RunningSequences, 'baseUrl' | 'token'>, workspaceId: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: {
        'x-internal-token': service.token,
        'x-workspace-id': workspaceId,
        'x-actor-kind': 'user',
        'x-actor-id': 'user-1',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** A valid sequence body; steps default to one immediate email. */
export function sequenceBody(overrides: Record<string, unknown> = {}) {
  return {
    name: `Sequence ${randomUUID().slice(0, 6)}`,
    status: 'active',
    criteria: { qualifications: ['hot', 'warm'] },
    steps: [{ delaySeconds: 0, subject: 'Hello {{firstName}}', body: 'Hi {{firstName}} from {{companyName}}' }],
    ...overrides,
  };
}

export async function createSequence(api: ApiClient, overrides: Record<string, unknown> = {}): Promise<{ id: string; [key: string]: any }> {
  const created = await api.post('/v1/sequences', sequenceBody(overrides));
  if (created.status !== 201) throw new Error(`create sequence: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Every enrolment of a sequence (first page is enough for tests). */
export async function enrollmentsOf(api: ApiClient, sequenceId: string): Promise<any[]> {
  const reply = await api.get(`/v1/sequences/${sequenceId}/enrollments?limit=100`);
  if (reply.status !== 200) throw new Error(`enrollments: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.items;
}

export async function sendsOf(api: ApiClient, sequenceId: string): Promise<any[]> {
  const reply = await api.get(`/v1/sequences/${sequenceId}/sends?limit=100`);
  if (reply.status !== 200) throw new Error(`sends: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.items;
}

/** Publishes events the way the other services do (CloudEvents binary mode, protobuf). */
export class EventPublisher {
  private readonly producer: Producer;

  constructor() {
    this.producer = new Kafka({ brokers: brokers().split(','), clientId: 'sequences-test', logLevel: logLevel.ERROR }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** Returns the event id (`ce_id`); pass `id` to deliver the same event again. */
  async publish<Desc extends DescMessage>(topic: TopicDefinition<Desc>, key: string, data: MessageInitShape<Desc>, id?: string): Promise<string> {
    const record = encodeEvent(topic, data, { key, source: '/tests/sequences', id });
    await this.send(record.topic, { key: record.key, value: record.value, headers: record.headers });
    return record.headers.ce_id;
  }

  async send(topic: string, message: { key: string; value: Buffer; headers: Record<string, string> }): Promise<void> {
    await this.producer.send({ topic, messages: [message] });
  }
}

export interface ScoredOptions {
  leadId?: string;
  email?: string;
  firstName?: string;
  qualification?: Qualification;
  score?: number;
  channel?: LeadChannel;
  emailClass?: EmailClass;
  customFields?: Record<string, string>;
  occurredAt?: Date;
}

/** A lead.scored payload (hot, 90, API, business address unless told otherwise). */
export function leadScored(workspaceId: string, options: ScoredOptions = {}) {
  const leadId = options.leadId ?? randomUUID();
  return {
    leadId,
    workspaceId,
    score: options.score ?? 90,
    qualification: options.qualification ?? Qualification.HOT,
    reason: 'test',
    model: 'test-model',
    promptVersion: 'test',
    analysisId: randomUUID(),
    attemptId: randomUUID(),
    attemptNumber: 1,
    profile: {
      email: options.email ?? `lead-${leadId.slice(0, 8)}@initech.example`,
      firstName: options.firstName ?? 'Ada',
      lastName: 'Lovelace',
      companyName: 'Initech',
      customFields: options.customFields ?? {},
    },
    source: { channel: options.channel ?? LeadChannel.API },
    enrichment: { emailClass: options.emailClass ?? EmailClass.BUSINESS },
    occurredAt: timestampFromDate(options.occurredAt ?? new Date()),
  };
}

/** A lead.stage-changed payload: the lead entered a stage of `kind` on `pipelineId`. */
export function stageChanged(workspaceId: string, leadId: string, pipelineId: string, kind: StageKind, occurredAt = new Date()) {
  return {
    leadId,
    workspaceId,
    pipelineId,
    toStageId: randomUUID(),
    toStageKind: kind,
    toStageName: StageKind[kind],
    occurredAt: timestampFromDate(occurredAt),
  };
}

export const publishScored = (events: EventPublisher, data: ReturnType<typeof leadScored>, id?: string) => events.publish(Topics.leadScored, data.leadId, data, id);

/** Waits until the service's consumer has handled (or skipped as a duplicate) the event. */
export async function handled(service: RunningSequences, eventId: string): Promise<void> {
  await expectEventually(async () => expect(await service.query(`SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [eventId])).toHaveLength(1), {
    description: `event ${eventId} handled`,
  });
}
