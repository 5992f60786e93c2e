import { randomUUID } from 'node:crypto';
import { expectEventually, queryDatabase, signUp, startSmtpServer, startStack, type SmtpServer, type Stack } from '@leads/testing';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from './http-receiver';
import { callApi, feedWhen, notificationTestEnv, signatureMatches, type Account } from './notification.harness';

/**
 * Outbound webhooks end to end: subscriptions through the real gateway, lead events from the
 * gateway's own intake (POST /v1/leads → lead.created on Kafka), deliveries to a real HTTP
 * receiver on a socket. Retries back off from 100 ms; a subscription is disabled after 4 failed
 * attempts in a row spanning at least 300 ms.
 */
describe('outbound webhooks', () => {
  let smtp: SmtpServer;
  let stack: Stack;
  let gateway: string;
  const receivers: HttpReceiver[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    stack = await startStack(['ingest', 'notification'], { serviceEnv: { notification: notificationTestEnv(smtp.url) } });
    gateway = stack.gateway;
  });

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await stack?.stop();
    await smtp?.stop();
  });

  const api = (account: Account | undefined, method: string, path: string, body?: unknown) => callApi(gateway, account, method, path, body);

  async function receiver(...statuses: number[]): Promise<HttpReceiver> {
    const started = await startHttpReceiver(...statuses);
    receivers.push(started);
    return started;
  }

  async function subscribe(account: Account, url: string, events: string[]) {
    const response = await api(account, 'POST', '/v1/webhook-subscriptions', { url, events });
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string; url: string; events: string[]; status: string };
  }

  /** A lead through the public API: lead.created follows. */
  async function postLead(account: Account): Promise<string> {
    const response = await api(account, 'POST', '/v1/leads', { email: `lead-${randomUUID().slice(0, 8)}@example.com`, firstName: 'Ada' });
    expect(response.status).toBe(202);
    return response.body.id;
  }

  const requestsReceived = (target: HttpReceiver, count: number, description: string) =>
    expectEventually(
      () => {
        expect(target.requests.length).toBeGreaterThanOrEqual(count);
        return target.requests.slice(0, count);
      },
      { description },
    );

  const deliveriesOf = async (account: Account, subscriptionId: string, query = '') => {
    const response = await api(account, 'GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries${query}`);
    expect(response.status).toBe(200);
    return response.body as { items: any[]; nextCursor: string | null };
  };

  const json = (request: ReceivedRequest) => JSON.parse(request.rawBody.toString('utf8'));

  it('creates a subscription with a secret shown once and stored sealed, and lists it without the secret', async () => {
    const owner = await signUp(gateway);
    const target = await receiver();
    const created = await subscribe(owner, target.url, ['lead.created', 'lead.failed']);
    expect(created).toEqual({
      id: expect.any(String),
      url: target.url,
      events: ['lead.created', 'lead.failed'],
      status: 'active',
      consecutiveFailures: 0,
      failingSince: null,
      disabledAt: null,
      disabledReason: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { secret, ...shown } = created;
    expect((await api(owner, 'GET', `/v1/webhook-subscriptions/${created.id}`)).body).toEqual(shown);
    const listed = await api(owner, 'GET', '/v1/webhook-subscriptions');
    expect(listed.body).toEqual({ items: [shown] });

    const [row] = await queryDatabase<{ secret_sealed: Buffer }>(stack.services.notification.database.url, `SELECT secret_sealed FROM webhook_subscriptions WHERE id = $1`, [created.id]);
    expect(row.secret_sealed.includes(Buffer.from(secret))).toBe(false);
    expect(row.secret_sealed.includes(Buffer.from(secret.slice('whsec_'.length)))).toBe(false);
  });

  it('refuses an invalid subscription with problem details naming the field, and stores nothing', async () => {
    const owner = await signUp(gateway);
    for (const [body, fields] of [
      [{ url: 'ftp://example.com/hook', events: ['lead.created'] }, ['url']],
      [{ url: 'not a url', events: ['lead.created'] }, ['url']],
      [{ url: 'https://user:pass@example.com/hook', events: ['lead.created'] }, ['url']],
      [{ url: 'https://example.com/hook', events: ['lead.created', 'lead.exploded'] }, ['events.1']],
      [{ url: 'https://example.com/hook', events: [] }, ['events']],
      [{ url: 'https://example.com/hook', events: ['lead.created', 'lead.created'] }, ['events']],
      [{ url: 'https://example.com/hook' }, ['events']],
      [{ url: 'https://example.com/hook', events: ['lead.created'], secret: 'mine' }, ['(body)']],
    ] as const) {
      const response = await api(owner, 'POST', '/v1/webhook-subscriptions', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors.map((error: any) => error.field)).toEqual(fields);
    }
    expect((await api(owner, 'GET', '/v1/webhook-subscriptions')).body).toEqual({ items: [] });
  });

  it('retries a delivery the receiver fails (500, then 200), signed every time with the subscription secret', async () => {
    const owner = await signUp(gateway);
    const target = await receiver(500, 200);
    const subscription = await subscribe(owner, target.url, ['lead.created']);
    const leadId = await postLead(owner);

    const [failed, delivered] = await requestsReceived(target, 2, 'the failed attempt and its retry');
    for (const request of [failed, delivered]) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-500leads-event']).toBe('lead.created');
      expect(signatureMatches(subscription.secret, request.headers['x-500leads-signature'], request.rawBody)).toBe(true);
      expect(signatureMatches(`whsec_${'A'.repeat(43)}`, request.headers['x-500leads-signature'], request.rawBody)).toBe(false);
    }
    // The same event, byte for byte, under the same delivery id; signed anew each time.
    expect(delivered.rawBody.equals(failed.rawBody)).toBe(true);
    expect(delivered.headers['x-500leads-delivery']).toBe(failed.headers['x-500leads-delivery']);
    expect(delivered.receivedAt.getTime()).toBeGreaterThanOrEqual(failed.receivedAt.getTime() + 50);
    const event = json(delivered);
    expect(event).toEqual({ id: expect.any(String), type: 'lead.created', occurredAt: expect.any(String), workspaceId: owner.workspace.id, data: expect.any(Object) });
    expect(event.data).toMatchObject({ leadId, workspaceId: owner.workspace.id, profile: { firstName: 'Ada' } });

    const log = await expectEventually(
      async () => {
        const { items } = await deliveriesOf(owner, subscription.id);
        expect(items).toHaveLength(1);
        expect(items[0].status).toBe('delivered');
        return items;
      },
      { description: 'the delivery logged as delivered' },
    );
    expect(log[0]).toMatchObject({
      id: delivered.headers['x-500leads-delivery'],
      subscriptionId: subscription.id,
      eventId: event.id,
      eventType: 'lead.created',
      attemptCount: 2,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
      deliveredAt: expect.any(String),
      attempts: [
        { number: 1, outcome: 'http_error', statusCode: 500, error: 'the endpoint answered HTTP 500', responseBody: 'scripted failure 500', durationMs: expect.any(Number) },
        { number: 2, outcome: 'delivered', statusCode: 200, error: null, responseBody: 'ok', durationMs: expect.any(Number) },
      ],
    });
    expect(Date.parse(log[0].attempts[1].startedAt)).toBeGreaterThan(Date.parse(log[0].attempts[0].startedAt));
    expect((await api(owner, 'GET', `/v1/webhook-subscriptions/${subscription.id}`)).body).toMatchObject({ status: 'active', consecutiveFailures: 0 });
  });

  it('forgets deliveries finished longer ago than the retention, with their attempts, and keeps the rest', async () => {
    const owner = await signUp(gateway);
    const target = await receiver(200, 200);
    const subscription = await subscribe(owner, target.url, ['lead.created']);
    await Promise.all([postLead(owner), postLead(owner)]);
    const [old, recent] = await expectEventually(
      async () => {
        const { items } = await deliveriesOf(owner, subscription.id);
        expect(items.map((item) => item.status)).toEqual(['delivered', 'delivered']);
        return items;
      },
      { description: 'both deliveries delivered' },
    );
    const notificationDb = stack.services.notification.database.url;
    await queryDatabase(notificationDb, `UPDATE webhook_deliveries SET updated_at = now() - interval '31 days' WHERE id = $1`, [old.id]);

    await expectEventually(async () => expect((await deliveriesOf(owner, subscription.id)).items.map((item) => item.id)).toEqual([recent.id]), {
      description: 'the old delivery deleted',
    });
    const attempts = await queryDatabase<{ delivery_id: string }>(notificationDb, `SELECT delivery_id FROM webhook_delivery_attempts WHERE delivery_id = ANY($1::uuid[])`, [
      [old.id, recent.id],
    ]);
    expect(attempts.map((attempt) => attempt.delivery_id)).toEqual([recent.id]);
  });

  it('delivers only the event types a subscription asked for', async () => {
    const owner = await signUp(gateway);
    const [failures, creations] = [await receiver(), await receiver()];
    const onFailed = await subscribe(owner, failures.url, ['lead.failed']);
    await subscribe(owner, creations.url, ['lead.created']);
    await postLead(owner);
    await requestsReceived(creations, 1, 'lead.created delivered');
    // Both subscriptions were matched in the same transaction as that delivery was recorded.
    expect(failures.requests).toEqual([]);
    expect((await deliveriesOf(owner, onFailed.id)).items).toEqual([]);
  });

  it('redelivers on request: the same event again, as a new attempt of the same delivery', async () => {
    const owner = await signUp(gateway);
    const target = await receiver();
    const subscription = await subscribe(owner, target.url, ['lead.created']);
    await postLead(owner);
    const [first] = await requestsReceived(target, 1, 'the first delivery');
    const deliveryId = String(first.headers['x-500leads-delivery']);
    await expectEventually(async () => expect((await deliveriesOf(owner, subscription.id)).items[0].status).toBe('delivered'), { description: 'delivered' });

    const redelivered = await api(owner, 'POST', `/v1/webhook-deliveries/${deliveryId}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: deliveryId, status: 'pending' });
    const [, second] = await requestsReceived(target, 2, 'the redelivery');
    expect(second.rawBody.equals(first.rawBody)).toBe(true);
    expect(signatureMatches(subscription.secret, second.headers['x-500leads-signature'], second.rawBody)).toBe(true);
    const delivery = await expectEventually(
      async () => {
        const { body } = await api(owner, 'GET', `/v1/webhook-deliveries/${deliveryId}`);
        expect(body).toMatchObject({ status: 'delivered', attemptCount: 2 });
        return body;
      },
      { description: 'the redelivery logged' },
    );
    expect(delivery.attempts.map((attempt: any) => attempt.outcome)).toEqual(['delivered', 'delivered']);
  });

  it('disables a subscription whose endpoint keeps failing, gives up its deliveries and tells the workspace in-app and by email', async () => {
    const owner = await signUp(gateway);
    const target = await receiver(503);
    const subscription = await subscribe(owner, target.url, ['lead.created']);
    await Promise.all([postLead(owner), postLead(owner)]);

    // Disabled, and both deliveries given up (an attempt under way when it was disabled ends as failed too).
    const items = await expectEventually(
      async () => {
        expect((await api(owner, 'GET', `/v1/webhook-subscriptions/${subscription.id}`)).body.status).toBe('disabled');
        const log = await deliveriesOf(owner, subscription.id);
        expect(log.items.map((item) => item.status)).toEqual(['failed', 'failed']);
        return log.items;
      },
      { description: 'the subscription disabled and its deliveries given up' },
    );
    const disabled = (await api(owner, 'GET', `/v1/webhook-subscriptions/${subscription.id}`)).body;
    // Every request the endpoint got was a failure in the streak: at least 4, over at least 300 ms.
    expect(disabled.consecutiveFailures).toBe(target.requests.length);
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(4);
    expect(disabled).toMatchObject({ disabledAt: expect.any(String), disabledReason: expect.stringMatching(/^\d+ failed attempts in a row since .+ \(last: the endpoint answered HTTP 503\)$/) });
    expect(Date.parse(disabled.disabledAt) - Date.parse(disabled.failingSince)).toBeGreaterThanOrEqual(300);
    expect(items.reduce((sum, item) => sum + item.attemptCount, 0)).toBe(target.requests.length);

    const feed = await feedWhen(gateway, owner, (body) => expect(body.items[0]?.email.status).toBe('sent'), 'the workspace notified and emailed');
    expect(feed.items).toHaveLength(1);
    expect(feed.items[0]).toMatchObject({
      kind: 'webhook_disabled',
      count: 1,
      title: `Webhook disabled: ${target.url}`,
      details: {
        subscriptionId: subscription.id,
        url: target.url,
        consecutiveFailures: expect.any(Number),
        lastError: 'the endpoint answered HTTP 503',
        enableUrl: `${gateway}/v1/webhook-subscriptions/${subscription.id}/enable`,
      },
    });
    const [mail] = smtp.messagesTo(owner.email);
    expect(smtp.messagesTo(owner.email)).toHaveLength(1);
    expect(mail.subject).toContain(`Webhook disabled: ${target.url}`);
    expect(mail.text).toMatch(/failed \d+ times in a row/);

    // A disabled subscription is not redelivered to; once enabled, a redelivery goes out.
    const refused = await api(owner, 'POST', `/v1/webhook-deliveries/${items[0].id}/redeliver`);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('subscription-disabled');
    const enabled = await api(owner, 'POST', `/v1/webhook-subscriptions/${subscription.id}/enable`);
    expect(enabled.body).toMatchObject({ status: 'active', consecutiveFailures: 0, failingSince: null, disabledAt: null });
    target.answer(200);
    expect((await api(owner, 'POST', `/v1/webhook-deliveries/${items[0].id}/redeliver`)).status).toBe(202);
    await expectEventually(
      async () => expect((await api(owner, 'GET', `/v1/webhook-deliveries/${items[0].id}`)).body).toMatchObject({ status: 'delivered', lastStatusCode: 200 }),
      { description: 'the redelivery delivered' },
    );
    expect(target.requests.at(-1)?.status).toBe(200);
  });

  it("keeps subscriptions and deliveries to their workspace: another workspace's key gets 404", async () => {
    const [owner, stranger] = await Promise.all([signUp(gateway), signUp(gateway)]);
    const target = await receiver();
    const subscription = await subscribe(owner, target.url, ['lead.created']);
    await postLead(owner);
    const [request] = await requestsReceived(target, 1, 'a delivery');
    const deliveryId = String(request.headers['x-500leads-delivery']);

    for (const [method, path] of [
      ['GET', `/v1/webhook-subscriptions/${subscription.id}`],
      ['GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries`],
      ['POST', `/v1/webhook-subscriptions/${subscription.id}/enable`],
      ['DELETE', `/v1/webhook-subscriptions/${subscription.id}`],
      ['GET', `/v1/webhook-deliveries/${deliveryId}`],
      ['POST', `/v1/webhook-deliveries/${deliveryId}/redeliver`],
    ] as const) {
      const response = await api(stranger, method, path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await api(stranger, 'GET', '/v1/webhook-subscriptions')).body).toEqual({ items: [] });
    expect((await api(undefined, 'GET', '/v1/webhook-subscriptions')).status).toBe(401);

    // The owner still has it all, and deleting it takes its delivery log along.
    expect((await deliveriesOf(owner, subscription.id)).items).toHaveLength(1);
    expect((await api(owner, 'DELETE', `/v1/webhook-subscriptions/${subscription.id}`)).status).toBe(204);
    expect((await api(owner, 'GET', `/v1/webhook-subscriptions/${subscription.id}`)).status).toBe(404);
    expect((await api(owner, 'GET', `/v1/webhook-deliveries/${deliveryId}`)).status).toBe(404);
  });
});
