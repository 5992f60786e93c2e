import { randomUUID } from 'node:crypto';
import { expectEventually, readMetric, startSmtpServer, type SmtpServer } from '@leads/testing';
import {
  EventPublisher,
  apiClient,
  createSequence,
  enrollmentsOf,
  leadScored,
  publishScored,
  quickScheduler,
  sendsOf,
  startSequences,
  type RunningSequences,
} from './sequences.harness';

/** Two sequences processes side by side on one database, as two replicas of the service, sending to a real SMTP server. */
describe('sequences scheduler: replicas and SMTP failures', () => {
  let smtp: SmtpServer;
  let service: RunningSequences;
  let events: EventPublisher;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    events = new EventPublisher();
    [service] = await Promise.all([
      startSequences(
        'sequences_scheduler',
        { SMTP_URL: smtp.url, ...quickScheduler, SEQUENCES_POLL_INTERVAL_MS: '50', SEQUENCES_CONCURRENCY: '2', SEQUENCES_SEND_MAX_ATTEMPTS: '20', SEQUENCES_RETRY_MAX_MS: '1000' },
        2,
      ),
      events.connect(),
    ]);
  });

  afterAll(async () => {
    await events?.disconnect();
    await service?.stop();
    await smtp?.stop();
  });

  const sentBy = (baseUrl: string) => readMetric(`${baseUrl}/metrics`, 'sequences_emails_total', { outcome: 'sent' });

  it('sends every step of every enrolment exactly once with two replicas claiming side by side', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const before = await Promise.all(service.replicas.map((replica) => sentBy(replica.baseUrl)));
    const sequence = await createSequence(api, {
      steps: [
        { delaySeconds: 0, subject: 'Step 1 for {{firstName}}', body: 'one' },
        { delaySeconds: 1, subject: 'Step 2 for {{firstName}}', body: 'two' },
        { delaySeconds: 1, subject: 'Step 3 for {{firstName}}', body: 'three' },
      ],
    });
    const leads = Array.from({ length: 30 }, (_, index) => leadScored(workspaceId, { firstName: `Lead${index}` }));
    await Promise.all(leads.map((lead) => publishScored(events, lead)));

    await expectEventually(
      async () => {
        const enrollments = await enrollmentsOf(api, sequence.id);
        expect(enrollments).toHaveLength(30);
        expect(enrollments.filter((enrollment) => enrollment.status === 'completed' && enrollment.currentStep === 3)).toHaveLength(30);
      },
      { timeoutMs: 60_000, description: '30 enrolments completed' },
    );
    for (const [index, lead] of leads.entries()) {
      expect(smtp.messagesTo(lead.profile.email).map((mail) => mail.subject)).toEqual([`Step 1 for Lead${index}`, `Step 2 for Lead${index}`, `Step 3 for Lead${index}`]);
    }
    const sends = await sendsOf(api, sequence.id);
    expect(sends).toHaveLength(90);
    expect(sends.every((send) => send.status === 'sent' && send.attemptCount === 1)).toBe(true);

    // Both replicas took part.
    const sent = (await Promise.all(service.replicas.map((replica) => sentBy(replica.baseUrl)))).map((count, index) => count - before[index]);
    expect(sent[0] + sent[1]).toBe(90);
    expect(sent[0]).toBeGreaterThan(0);
    expect(sent[1]).toBeGreaterThan(0);
  });

  it('never sends again a step a dead replica left mid-send: it is recorded unknown and the enrolment goes on', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api, {
      steps: [
        { delaySeconds: 0, subject: 'First', body: 'b' },
        { delaySeconds: 3600, subject: 'Second', body: 'b' },
        { delaySeconds: 0, subject: 'Third', body: 'b' },
      ],
    });
    const lead = leadScored(workspaceId);
    await publishScored(events, lead);
    const [enrollment] = await expectEventually(async () => {
      const items = await enrollmentsOf(api, sequence.id);
      expect(items).toEqual([expect.objectContaining({ currentStep: 1, status: 'active' })]);
      return items;
    });
    const unknownBefore = await Promise.all(service.replicas.map((replica) => readMetric(`${replica.baseUrl}/metrics`, 'sequences_emails_total', { outcome: 'unknown' })));

    // What a replica that died during step 2's SMTP exchange leaves behind, once its lease has run out.
    await service.query(
      `WITH abandoned AS (
         INSERT INTO sends (workspace_id, id, enrollment_id, sequence_id, lead_id, step, to_email, subject, status, claim_token)
         VALUES ($1, $2, $3, $4, $5, 2, $6, 'Second', 'sending', $7)
       )
       UPDATE enrollments SET next_run_at = now() WHERE workspace_id = $1 AND id = $3`,
      [workspaceId, randomUUID(), enrollment.id, sequence.id, lead.leadId, lead.profile.email, randomUUID()],
    );

    await expectEventually(async () => expect(await enrollmentsOf(api, sequence.id)).toEqual([expect.objectContaining({ status: 'completed', currentStep: 3 })]));
    expect(smtp.messagesTo(lead.profile.email).map((mail) => mail.subject)).toEqual(['First', 'Third']);
    expect((await sendsOf(api, sequence.id)).map((send) => [send.step, send.status])).toEqual([
      [1, 'sent'],
      [2, 'unknown'],
      [3, 'sent'],
    ]);
    const unknownAfter = await Promise.all(service.replicas.map((replica) => readMetric(`${replica.baseUrl}/metrics`, 'sequences_emails_total', { outcome: 'unknown' })));
    expect(unknownAfter[0] + unknownAfter[1] - unknownBefore[0] - unknownBefore[1]).toBe(1);
  });

  it('tries a step again after a transient SMTP failure, and sends it once when the server is back', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api, { steps: [{ delaySeconds: 0, subject: 'Retried', body: 'b' }] });
    const lead = leadScored(workspaceId);
    smtp.refuseWith(451);
    try {
      await publishScored(events, lead);
      await expectEventually(async () =>
        expect(await sendsOf(api, sequence.id)).toEqual([expect.objectContaining({ status: 'retrying', error: expect.stringContaining('451') })]),
      );
    } finally {
      smtp.refuseWith(undefined);
    }
    const [send] = await expectEventually(async () => {
      const items = await sendsOf(api, sequence.id);
      expect(items).toEqual([expect.objectContaining({ status: 'sent', error: null, sentAt: expect.any(String) })]);
      return items;
    });
    expect(send.attemptCount).toBeGreaterThanOrEqual(2);
    expect(smtp.messagesTo(lead.profile.email).map((mail) => mail.subject)).toEqual(['Retried']);
    expect(await enrollmentsOf(api, sequence.id)).toEqual([expect.objectContaining({ status: 'completed', currentStep: 1 })]);
  });

  it('records a refused step as failed and stops the enrolment', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api, {
      steps: [
        { delaySeconds: 0, subject: 'Refused', body: 'b' },
        { delaySeconds: 0, subject: 'Never sent', body: 'b' },
      ],
    });
    const lead = leadScored(workspaceId);
    smtp.refuseWith(550);
    try {
      await publishScored(events, lead);
      await expectEventually(async () =>
        expect(await enrollmentsOf(api, sequence.id)).toEqual([expect.objectContaining({ status: 'stopped', stopReason: 'send_failed', currentStep: 0, nextRunAt: null })]),
      );
    } finally {
      smtp.refuseWith(undefined);
    }
    expect(await sendsOf(api, sequence.id)).toEqual([
      expect.objectContaining({ step: 1, status: 'failed', attemptCount: 1, error: expect.stringContaining('550'), smtpResponse: expect.stringContaining('550') }),
    ]);
    expect(smtp.messagesTo(lead.profile.email)).toEqual([]);
    const failed = await Promise.all(service.replicas.map((replica) => readMetric(`${replica.baseUrl}/metrics`, 'sequences_emails_total', { outcome: 'failed' })));
    expect(failed[0] + failed[1]).toBe(1);
  });
});
