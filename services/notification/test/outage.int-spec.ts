import { randomUUID } from 'node:crypto';
import {
  expectEventually,
  signUp,
  startDevModel,
  startDnsServer,
  startSmtpServer,
  startStack,
  type DevModel,
  type DnsServer,
  type SmtpServer,
  type Stack,
} from '@leads/testing';
import { startHttpReceiver, type HttpReceiver } from './http-receiver';
import { callApi, feedWhen, notificationTestEnv, signatureMatches, type Account } from './notification.harness';

const LEADS = 50;
/** Long enough that the whole outage is one burst; the email goes this long after its last failure. */
const QUIET_MS = 5000;
/** Five services, the dev model and the test servers: about a minute, more on a busy two-core machine. */
const STACK_START_TIMEOUT_MS = 300_000;

/**
 * The whole system as its own processes: the gateway, pipeline, enrichment (asking a test DNS
 * server), scoring (asking the dev model, which is down) and notification (mailing a real SMTP
 * server, posting webhooks to a real HTTP receiver). Fifty leads posted through the public API
 * all fail their analysis: the workspace gets one notification and one email, each with the count.
 */
describe('an AI outage, end to end', () => {
  let smtp: SmtpServer;
  let dns: DnsServer;
  let model: DevModel;
  let receiver: HttpReceiver;
  let stack: Stack;
  let gateway: string;

  beforeAll(async () => {
    [smtp, dns, model, receiver] = await Promise.all([
      startSmtpServer(),
      startDnsServer({ 'initech.com': { mx: ['10 mx1.initech.com'] } }),
      startDevModel(),
      startHttpReceiver(),
    ]);
    await model.setMode({ mode: 'outage' });
    stack = await startStack(['ingest', 'pipeline', 'enrichment', 'scoring', 'notification'], {
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address, DNS_TIMEOUT_MS: '1000', DNS_TRIES: '1' },
        scoring: {
          OPENAI_BASE_URL: model.url,
          OPENAI_API_KEY: 'dev',
          SCORING_MODEL: model.modelName,
          // Fail fast (as `fastRetries` in services/scoring/test/scoring.harness.ts), and no rate limit in the way.
          SCORING_MAX_ATTEMPTS: '3',
          SCORING_RETRY_BASE_MS: '50',
          SCORING_RETRY_MAX_MS: '200',
          SCORING_TIMEOUT_MS: '1500',
          SCORING_POLL_INTERVAL_MS: '200',
          SCORING_REQUESTS_PER_MINUTE: '100000',
        },
        notification: notificationTestEnv(smtp.url, { FAILURE_GROUP_QUIET_MS: String(QUIET_MS) }),
      },
    });
    gateway = stack.gateway;
  }, STACK_START_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([smtp?.stop(), dns?.close(), model?.stop(), receiver?.stop()]);
  });

  const api = (account: Account, method: string, path: string, body?: unknown) => callApi(gateway, account, method, path, body);

  it(`turns ${LEADS} failed analyses into one notification and one email with the count, and one signed webhook per failed lead`, async () => {
    const owner = await signUp(gateway);
    await expectEventually(
      async () => expect((await api(owner, 'GET', '/v1/notification-settings')).body.email.effectiveRecipients).toEqual([owner.email]),
      { description: 'the owner known to the notification service' },
    );
    const subscription = await api(owner, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['lead.failed'] });
    expect(subscription.status).toBe(201);

    // One lead after the other, each on to scoring before the next is posted: the enrichment
    // service cannot take many leads at once yet (its handlers read the domain cache on a second
    // pool connection while the batch transactions of up to 12 partitions hold all 10 of them,
    // and it stalls). The failures still come well within one burst.
    const posted: string[] = [];
    for (let index = 0; index < LEADS; index += 1) {
      const response = await api(owner, 'POST', '/v1/leads', {
        email: `buyer-${index}-${randomUUID().slice(0, 8)}@initech.com`,
        firstName: `Buyer ${index}`,
        jobTitle: 'Head of Purchasing',
      });
      expect(response.status).toBe(202);
      posted.push(response.body.id);
      await expectEventually(
        async () => {
          const lead = await api(owner, 'GET', `/v1/leads/${response.body.id}`);
          expect(lead.status).toBe(200);
          expect(['enriched', 'failed']).toContain(lead.body.processingStatus);
        },
        { description: `lead ${index} enriched` },
      );
    }

    const feed = await feedWhen(
      gateway,
      owner,
      (body) => {
        expect(body.items).toHaveLength(1);
        expect(body.items[0]).toMatchObject({ count: LEADS, email: { status: 'sent' } });
      },
      'one notification, emailed, with every failed lead',
      120_000,
    );
    const [notification] = feed.items;
    expect(notification).toMatchObject({
      kind: 'leads_failed',
      title: `${LEADS} leads could not be processed`,
      count: LEADS,
      open: false,
      details: { errorCodes: { llm_unavailable: LEADS }, retryAllUrl: `${gateway}/v1/leads/retry-failed` },
    });
    for (const lead of notification.details.leads) {
      expect(posted).toContain(lead.leadId);
      expect(lead).toMatchObject({ stage: 'scoring', errorCode: 'llm_unavailable' });
    }

    const mails = smtp.messagesTo(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain(`${LEADS} leads could not be processed`);
    expect(mails[0].text).toContain(`${LEADS} leads failed (llm_unavailable: ${LEADS})`);
    expect(mails[0].text).toContain(`POST ${gateway}/v1/leads/retry-failed`);

    // The failed leads are on their pipeline, failed, nothing lost.
    const lead = (await api(owner, 'GET', `/v1/leads/${posted[0]}`)).body;
    expect(lead).toMatchObject({ processingStatus: 'failed', failure: { stage: 'scoring', errorCode: 'llm_unavailable' } });

    // Every lead.failed went out as a signed webhook.
    const requests = await expectEventually(
      () => {
        expect(receiver.requests.length).toBeGreaterThanOrEqual(LEADS);
        return receiver.requests;
      },
      { description: 'a webhook per failed lead' },
    );
    expect(requests).toHaveLength(LEADS);
    for (const request of requests) expect(signatureMatches(subscription.body.secret, request.headers['x-500leads-signature'], request.rawBody)).toBe(true);
    const events = requests.map((request) => JSON.parse(request.rawBody.toString('utf8')));
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(['lead.failed']));
    expect(events.map((event) => event.data.leadId).sort()).toEqual([...posted].sort());
  });
});
