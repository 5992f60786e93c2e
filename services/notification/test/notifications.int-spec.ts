import { randomUUID } from 'node:crypto';
import { expectEventually, queryDatabase, readMetric, signUp, startSmtpServer, startStack, type SmtpServer, type Stack } from '@leads/testing';
import { FailurePublisher, callApi, feedWhen, notificationTestEnv, type Account } from './notification.harness';

/**
 * The in-app feed and its emails, through the real gateway and notification processes, a real
 * SMTP server and the tests' Kafka broker. lead.failed events are published the way scoring
 * publishes them; groups close 1.5 s after their last failure.
 */
describe('notifications of failed leads', () => {
  let smtp: SmtpServer;
  let stack: Stack;
  let gateway: string;
  let publisher: FailurePublisher;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    stack = await startStack(['ingest', 'notification'], { serviceEnv: { notification: notificationTestEnv(smtp.url) } });
    gateway = stack.gateway;
    publisher = new FailurePublisher(stack.brokers);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await stack?.stop();
    await smtp?.stop();
  });

  const api = (account: Account | undefined, method: string, path: string, body?: unknown) => callApi(gateway, account, method, path, body);

  /** A new workspace, once the notification service knows its owner (from workspace.created). */
  async function newWorkspace(): Promise<Account> {
    const account = await signUp(gateway);
    await expectEventually(
      async () => {
        const settings = await api(account, 'GET', '/v1/notification-settings');
        expect(settings.body).toEqual({ email: { enabled: true, recipients: null, effectiveRecipients: [account.email] } });
      },
      { description: 'the owner known to the notification service' },
    );
    return account;
  }

  const metric = (name: string, labels: Record<string, string>) => readMetric(`${stack.services.notification.baseUrl}/metrics`, name, labels);

  const emailed = (feed: any, count: number) => {
    expect(feed.items).toHaveLength(count);
    for (const item of feed.items) expect(item.email.status).not.toMatch(/pending|sending/);
  };

  it('groups a burst into one notification and one email with the final count, each failed lead once', async () => {
    const owner = await newWorkspace();
    const workspaceId = owner.workspace.id;
    const leads = Array.from({ length: 20 }, () => randomUUID());
    const first = leads.map((leadId) => ({ data: FailurePublisher.failure(workspaceId, leadId) }));
    const eventIds = await publisher.publish(first);
    // Within the burst: five of the same events delivered again, and two leads failing once more (new events).
    await publisher.publish([
      ...first.slice(0, 5).map((event, index) => ({ data: event.data, id: eventIds[index] })),
      { data: FailurePublisher.failure(workspaceId, leads[0], 'llm_timeout') },
      { data: FailurePublisher.failure(workspaceId, leads[1]) },
    ]);

    const feed = await feedWhen(gateway, owner, (body) => emailed(body, 1), 'the group closed and emailed');
    const [group] = feed.items;
    expect(feed.unread).toBe(1);
    expect(group).toMatchObject({
      kind: 'leads_failed',
      title: '20 leads could not be processed',
      count: 20,
      open: false,
      readAt: null,
      email: { status: 'sent', sentAt: expect.any(String) },
      details: { errorCodes: { llm_unavailable: 20 }, retryAllUrl: `${gateway}/v1/leads/retry-failed` },
    });
    expect(group.body).toContain(`POST ${gateway}/v1/leads/retry-failed`);
    expect(group.details.leads).toHaveLength(10);
    for (const lead of group.details.leads) {
      expect(leads).toContain(lead.leadId);
      expect(lead).toMatchObject({ stage: 'scoring', errorCode: 'llm_unavailable', reason: 'The AI model is unavailable (HTTP 503)' });
      expect(lead.retryUrl).toBe(`${gateway}/v1/leads/${lead.leadId}/retry-analysis`);
    }

    const mails = smtp.messagesTo(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain('20 leads could not be processed');
    expect(mails[0].text).toContain('20 leads failed (llm_unavailable: 20)');
    expect(mails[0].text).toContain(`Retry them all: POST ${gateway}/v1/leads/retry-failed`);
    expect(mails[0].text).toContain('…and 10 more leads.');
    expect(mails[0].from).toBe('500 Leads <notifications@500leads.test>');
    expect(mails[0].headers['auto-submitted']).toBe('auto-generated');
    expect(mails[0].headers['x-500leads-notification']).toBe(group.id);
    // Closed, the group no longer keeps the list it counted its leads with.
    expect(await queryDatabase(stack.services.notification.database.url, `SELECT lead_id FROM notification_leads WHERE notification_id = $1`, [group.id])).toEqual([]);
  });

  it('does not count a redelivered event once its group is closed; the next failure opens a new group, emailed on its own', async () => {
    const owner = await newWorkspace();
    const workspaceId = owner.workspace.id;
    const original = FailurePublisher.failure(workspaceId);
    const [eventId] = await publisher.publish([{ data: original, partition: 0 }]);
    await feedWhen(gateway, owner, (body) => emailed(body, 1), 'the first group emailed');

    // The same event again, then a new lead's failure after it on the same partition: once the
    // new one shows, the redelivery has been handled.
    const duplicatesBefore = await metric('messaging_events_total', { topic: 'lead.failed', outcome: 'duplicate' });
    const next = FailurePublisher.failure(workspaceId);
    await publisher.publish([
      { data: original, id: eventId, partition: 0 },
      { data: next, partition: 0 },
    ]);
    const feed = await feedWhen(gateway, owner, (body) => emailed(body, 2), 'the second group emailed');
    expect(feed.items.map((item: any) => item.count)).toEqual([1, 1]);
    expect(feed.items[0].details.leads.map((lead: any) => lead.leadId)).toEqual([next.leadId]);
    expect(feed.items[1].details.leads.map((lead: any) => lead.leadId)).toEqual([original.leadId]);
    expect(feed.unread).toBe(2);
    expect(await metric('messaging_events_total', { topic: 'lead.failed', outcome: 'duplicate' })).toBeGreaterThanOrEqual(duplicatesBefore + 1);
    expect(smtp.messagesTo(owner.email).map((mail) => mail.subject)).toEqual([
      expect.stringContaining('1 lead could not be processed'),
      expect.stringContaining('1 lead could not be processed'),
    ]);

    // Newest first, a page at a time.
    const firstPage = await api(owner, 'GET', '/v1/notifications?limit=1');
    expect(firstPage.body.items.map((item: any) => item.id)).toEqual([feed.items[0].id]);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const secondPage = await api(owner, 'GET', `/v1/notifications?limit=1&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toMatchObject({ items: [{ id: feed.items[1].id }], nextCursor: null, unread: 2 });
    const badCursor = await api(owner, 'GET', '/v1/notifications?cursor=not-ours&limit=500');
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toContain('application/problem+json');
    expect(badCursor.body.errors.map((error: any) => error.field).sort()).toEqual(['cursor', 'limit']);
  });

  it('sends a lead.failed that can never be handled to the dead-letter topic, and goes on with the next', async () => {
    const owner = await newWorkspace();
    const deadLettersBefore = await metric('messaging_dead_letters_total', { consumer: 'notification', topic: 'lead.failed' });
    const good = FailurePublisher.failure(owner.workspace.id);
    await publisher.publish([
      { data: { ...FailurePublisher.failure(owner.workspace.id), leadId: 'not-a-uuid' }, partition: 0 },
      { data: good, partition: 0 },
    ]);
    const feed = await feedWhen(gateway, owner, (body) => expect(body.items).toHaveLength(1), 'the good failure shown');
    expect(feed.items[0]).toMatchObject({ count: 1, details: { leads: [{ leadId: good.leadId }] } });
    expect(await metric('messaging_dead_letters_total', { consumer: 'notification', topic: 'lead.failed' })).toBe(deadLettersBefore + 1);
  });

  it("keeps a workspace's feed to itself: another workspace's key can neither read nor mark it", async () => {
    const [owner, stranger] = await Promise.all([newWorkspace(), newWorkspace()]);
    await publisher.publish([{ data: FailurePublisher.failure(owner.workspace.id) }]);
    const [notification] = (await feedWhen(gateway, owner, (body) => expect(body.items).toHaveLength(1), 'the notification shown')).items;

    expect((await api(stranger, 'GET', '/v1/notifications')).body).toEqual({ items: [], unread: 0, nextCursor: null });
    const foreign = await api(stranger, 'POST', `/v1/notifications/${notification.id}/read`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await api(stranger, 'POST', '/v1/notifications/read-all')).body).toEqual({ marked: 0 });
    expect((await api(owner, 'GET', '/v1/notifications')).body).toMatchObject({ unread: 1, items: [{ id: notification.id, readAt: null }] });
    expect((await api(undefined, 'GET', '/v1/notifications')).status).toBe(401);

    for (const id of [randomUUID(), 'not-a-uuid']) expect((await api(owner, 'POST', `/v1/notifications/${id}/read`)).status).toBe(404);
    const read = await api(owner, 'POST', `/v1/notifications/${notification.id}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: notification.id, readAt: expect.any(String) });
    const again = await api(owner, 'POST', `/v1/notifications/${notification.id}/read`);
    expect(again.body.readAt).toBe(read.body.readAt);
    expect((await api(owner, 'GET', '/v1/notifications?unread=true')).body).toEqual({ items: [], unread: 0, nextCursor: null });
  });

  it('marks every notification of the workspace read at once', async () => {
    const owner = await newWorkspace();
    await publisher.publish([{ data: FailurePublisher.failure(owner.workspace.id) }]);
    await feedWhen(gateway, owner, (body) => expect(body.unread).toBe(1), 'one unread notification');
    expect((await api(owner, 'POST', '/v1/notifications/read-all')).body).toEqual({ marked: 1 });
    expect((await api(owner, 'GET', '/v1/notifications')).body.unread).toBe(0);
  });

  it('emails the recipients the workspace sets, or nobody when it turns email off; bad settings are refused whole', async () => {
    const owner = await newWorkspace();
    const invalid = await api(owner, 'PUT', '/v1/notification-settings', { email: { enabled: 'yes', recipients: ['ops@example.com', 'not-an-email'] }, sms: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: any) => error.field).sort()).toEqual(['(body)', 'email.enabled', 'email.recipients.1']);
    expect((await api(owner, 'PUT', '/v1/notification-settings', { email: { enabled: true, recipients: [] } })).status).toBe(400);
    expect((await api(owner, 'GET', '/v1/notification-settings')).body.email).toEqual({ enabled: true, recipients: null, effectiveRecipients: [owner.email] });

    const team = [`ops-${randomUUID().slice(0, 8)}@example.com`, `sales-${randomUUID().slice(0, 8)}@example.com`];
    const saved = await api(owner, 'PUT', '/v1/notification-settings', { email: { enabled: true, recipients: [team[0].toUpperCase(), team[1]] } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ email: { enabled: true, recipients: team, effectiveRecipients: team } });
    await publisher.publish([{ data: FailurePublisher.failure(owner.workspace.id) }]);
    await feedWhen(gateway, owner, (body) => emailed(body, 1), 'the group emailed');
    expect(smtp.messagesTo(team[0])).toHaveLength(1);
    expect([...smtp.messagesTo(team[0])[0].to].sort()).toEqual([...team].sort());
    expect(smtp.messagesTo(owner.email)).toEqual([]);

    await api(owner, 'PUT', '/v1/notification-settings', { email: { enabled: false } });
    await publisher.publish([{ data: FailurePublisher.failure(owner.workspace.id) }]);
    const feed = await feedWhen(gateway, owner, (body) => emailed(body, 2), 'the second group closed');
    expect(feed.items[0]).toMatchObject({ count: 1, email: { status: 'skipped', sentAt: null } });
    expect(smtp.messagesTo(team[0])).toHaveLength(1);
    expect(smtp.messagesTo(owner.email)).toEqual([]);
  });

  it('retries an email the SMTP server refuses, and sends it once it accepts', async () => {
    const owner = await newWorkspace();
    smtp.refuseWith(451);
    try {
      await publisher.publish([{ data: FailurePublisher.failure(owner.workspace.id) }]);
      await expectEventually(
        async () => {
          const [row] = await queryDatabase(stack.services.notification.database.url, `SELECT email_status, email_attempts, email_error FROM notifications WHERE workspace_id = $1`, [
            owner.workspace.id,
          ]);
          expect(row).toMatchObject({ email_status: 'pending', email_error: expect.stringContaining('451') });
          expect(row.email_attempts).toBeGreaterThanOrEqual(1);
        },
        { description: 'the refused email waiting for its retry' },
      );
    } finally {
      smtp.refuseWith(undefined);
    }
    await feedWhen(gateway, owner, (body) => expect(body.items[0].email.status).toBe('sent'), 'the email sent on a retry');
    expect(smtp.messagesTo(owner.email)).toHaveLength(1);
  });
});
