import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { FailureStage, Topics, encodeEvent } from '@leads/contracts';
import { expectEventually, signUp } from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';

export type Account = Awaited<ReturnType<typeof signUp>>;

/** Quick settings for tests (the defaults wait minutes to hours). */
export function notificationTestEnv(smtpUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_URL: smtpUrl,
    MAIL_FROM: '500 Leads <notifications@500leads.test>',
    FAILURE_GROUP_QUIET_MS: '1500',
    FAILURE_GROUP_MAX_DELAY_MS: '60000',
    EMAIL_RETRY_BASE_MS: '100',
    EMAIL_RETRY_MAX_MS: '200',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '200',
    WEBHOOK_DISABLE_AFTER_FAILURES: '4',
    WEBHOOK_DISABLE_AFTER_MS: '300',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    NOTIFICATION_POLL_INTERVAL_MS: '100',
    // Retention runs often; what it keeps is the defaults' (deliveries 30 days, notifications 90).
    RETENTION_INTERVAL_MS: '200',
    ...extra,
  };
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** A call to the public gateway as a client makes it. */
export async function callApi(gateway: string, account: Account | undefined, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: { ...account?.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** The workspace's feed, once it satisfies `check`. */
export function feedWhen(gateway: string, account: Account, check: (feed: any) => void, description: string, timeoutMs?: number) {
  return expectEventually(
    async () => {
      const feed = await callApi(gateway, account, 'GET', '/v1/notifications');
      expect(feed.status).toBe(200);
      check(feed.body);
      return feed.body;
    },
    { description, timeoutMs },
  );
}

type LeadFailedInit = Exclude<MessageInitShape<typeof Topics.leadFailed.schema>, { $typeName: string }>;

/** Publishes lead.failed events as the scoring service does (CloudEvents binary mode, protobuf). */
export class FailurePublisher {
  private readonly producer: Producer;

  constructor(brokers: string) {
    this.producer = new Kafka({ brokers: brokers.split(','), clientId: 'notification-test', logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** A scoring failure of `leadId` (a new lead when absent). */
  static failure(workspaceId: string, leadId: string = randomUUID(), errorCode = 'llm_unavailable'): LeadFailedInit & { leadId: string } {
    return {
      leadId,
      workspaceId,
      stage: FailureStage.SCORING,
      reason: 'The AI model is unavailable (HTTP 503)',
      errorCode,
      retryable: true,
      attemptCount: 3,
      analysisId: randomUUID(),
      occurredAt: timestampFromDate(new Date()),
    };
  }

  /** Publishes the events in one batch; returns their event ids. `id` delivers an event again; `partition` pins where it goes. */
  async publish(events: ReadonlyArray<{ data: LeadFailedInit & { leadId: string }; id?: string; partition?: number }>): Promise<string[]> {
    const records = events.map(({ data, id, partition }) => ({
      partition,
      ...encodeEvent(Topics.leadFailed, data, { key: data.leadId, source: '/tests/notification', id }),
    }));
    await this.producer.send({
      topic: Topics.leadFailed.name,
      messages: records.map((record) => ({ key: record.key, value: record.value, headers: record.headers, partition: record.partition })),
    });
    return records.map((record) => record.headers.ce_id);
  }
}

/**
 * Checks `X-500Leads-Signature: t=<unix>,v1=<hex>` the way a subscriber would, with Node's crypto
 * only: HMAC-SHA256 keyed with the secret over "<t>.<raw body>", compared in constant time.
 */
export function signatureMatches(secret: string, header: string | string[] | undefined, rawBody: Buffer): boolean {
  const fields = new Map(String(header ?? '').split(',').map((part) => part.split('=') as [string, string]));
  const timestamp = fields.get('t');
  const signature = Buffer.from(fields.get('v1') ?? '', 'hex');
  if (!timestamp || signature.length !== 32) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  return timingSafeEqual(expected, signature);
}
