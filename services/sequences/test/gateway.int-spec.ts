import { randomUUID } from 'node:crypto';
import {
  expectEventually,
  queryDatabase,
  signUp,
  startDevModel,
  startDnsServer,
  startSmtpServer,
  startStack,
  type DevModel,
  type DnsServer,
  type ReceivedMail,
  type SmtpServer,
  type Stack,
} from '@leads/testing';

type Account = Awaited<ReturnType<typeof signUp>>;

/**
 * End to end, the way a user drives it: every service as its own process (gateway, pipeline,
 * enrichment with a DNS server that gives the lead's domain an MX, scoring with the dev model as
 * the AI, sequences with a real SMTP server), Kafka and PostgreSQL. A lead posted to the gateway
 * is enriched, scored hot by the model, enrolled, and mailed.
 */
describe('sequences end to end, through the public API', () => {
  let smtp: SmtpServer;
  let dns: DnsServer;
  let model: DevModel;
  let stack: Stack;
  let gateway: string;

  const call = async (account: Account | undefined, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: { ...account?.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text } as {
      status: number;
      contentType: string;
      body: any;
    };
  };

  const createSequence = async (account: Account, body: Record<string, unknown>) => {
    const created = await call(account, 'POST', '/v1/sequences', { status: 'active', ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  };

  const enrollments = async (account: Account, sequenceId: string): Promise<any[]> => {
    const reply = await call(account, 'GET', `/v1/sequences/${sequenceId}/enrollments`);
    expect(reply.status).toBe(200);
    return reply.body.items;
  };

  /** A lead the dev model scores hot: a complete profile and a business address whose domain has MX. */
  const submitLead = async (account: Account, firstName: string) => {
    const email = `${firstName.toLowerCase()}-${randomUUID().slice(0, 6)}@initech.com`;
    const response = await call(account, 'POST', '/v1/leads', {
      email,
      firstName,
      lastName: 'Lovelace',
      phone: '+1 555 0100',
      companyName: 'Initech',
      jobTitle: 'CTO',
      website: 'https://initech.com',
      country: 'US',
      plan: 'enterprise',
    });
    expect(response.status).toBe(202);
    return { id: response.body.id as string, email };
  };

  const mailTo = (address: string, subject: string) =>
    expectEventually(
      () => {
        const [mail] = smtp.messagesTo(address).filter((item) => item.subject === subject);
        expect(mail).toBeDefined();
        return mail;
      },
      { timeoutMs: 60_000, description: `"${subject}" received by ${address}` },
    );

  const unsubscribeLink = (mail: ReceivedMail) => /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])![1];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dns = await startDnsServer({ 'initech.com': { mx: ['10 mx.initech.com'] } });
    model = await startDevModel();
    stack = await startStack(['pipeline', 'enrichment', 'scoring', 'sequences', 'ingest'], {
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address, DNS_TIMEOUT_MS: '1000', DNS_TRIES: '1' },
        scoring: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'dev', SCORING_MODEL: model.modelName },
        sequences: { SMTP_URL: smtp.url, SEQUENCES_POLL_INTERVAL_MS: '100' },
      },
    });
    gateway = stack.gateway;
  }, 360_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.stop();
    await dns?.close();
    await smtp?.stop();
  });

  it('enrols a hot lead in the matching active sequences, mails its steps, and stops when the lead is won', async () => {
    const account = await signUp(gateway);
    const sender = await call(account, 'PUT', '/v1/sequence-sender', { fromName: 'Grace at Initech', fromEmail: 'grace@initech.com', replyTo: 'sales@initech.com' });
    expect(sender.status).toBe(200);
    const pipeline = await expectEventually(async () => {
      const { body } = await call(account, 'GET', '/v1/pipelines');
      expect(body.items).toHaveLength(1);
      return body.items[0] as { id: string; stages: Array<{ id: string; kind: string }> };
    });

    const followUp = await createSequence(account, {
      name: 'Follow-up',
      criteria: { qualifications: ['hot', 'warm'], pipelineIds: [pipeline.id] },
      steps: [
        { delaySeconds: 0, subject: 'Welcome {{firstName}}', body: 'Hi {{firstName}},\n\nThanks for your interest in us, {{companyName}} ({{plan}}).' },
        { delaySeconds: 2, subject: 'Following up, {{firstName}}', body: 'Any questions, {{firstName}}?' },
        { delaySeconds: 3600, subject: 'Last call, {{firstName}}', body: 'Bye' },
      ],
    });
    const hotOnly = await createSequence(account, {
      name: 'Hot only',
      criteria: { qualifications: ['hot'], sources: ['api'] },
      steps: [{ delaySeconds: 0, subject: 'A note for {{firstName}} at {{companyName}}', body: 'Hello' }],
    });
    const paused = await createSequence(account, { name: 'Paused', status: 'paused', criteria: { qualifications: ['hot'] }, steps: [{ delaySeconds: 0, subject: 'Paused', body: 'b' }] });
    const warmOnly = await createSequence(account, { name: 'Warm only', criteria: { qualifications: ['warm'] }, steps: [{ delaySeconds: 0, subject: 'Warm', body: 'b' }] });

    const ada = await submitLead(account, 'Ada');
    const step1 = await mailTo(ada.email, 'Welcome Ada');
    await mailTo(ada.email, 'A note for Ada at Initech');
    expect((await call(account, 'GET', `/v1/leads/${ada.id}`)).body).toMatchObject({ qualification: 'hot', scoringModel: model.modelName });

    expect(step1.from).toBe('Grace at Initech <grace@initech.com>');
    expect(step1.headers['reply-to']).toBe('sales@initech.com');
    expect(step1.text).toContain('Hi Ada,\n\nThanks for your interest in us, Initech (enterprise).');
    expect(step1.html).toContain('<p>Thanks for your interest in us, Initech (enterprise).</p>');
    expect(unsubscribeLink(step1)).toMatch(new RegExp(`^${gateway}/v1/unsubscribe/${account.workspace.id}\\.[A-Za-z0-9_-]{43}$`));
    expect(step1.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    const enrolledIn = async (sequenceId: string) => (await enrollments(account, sequenceId)).map((enrollment) => enrollment.leadId);
    expect(await enrolledIn(followUp.id)).toEqual([ada.id]);
    expect(await enrolledIn(hotOnly.id)).toEqual([ada.id]);
    expect(await enrolledIn(paused.id)).toEqual([]);
    expect(await enrolledIn(warmOnly.id)).toEqual([]);

    const step2 = await mailTo(ada.email, 'Following up, Ada');
    expect(step2.receivedAt.getTime() - step1.receivedAt.getTime()).toBeGreaterThanOrEqual(2000);
    expect((await enrollments(account, followUp.id))[0]).toMatchObject({ status: 'active', currentStep: 2, nextRunAt: expect.any(String) });

    const win = pipeline.stages.find((stage) => stage.kind === 'win')!;
    expect((await call(account, 'PATCH', `/v1/leads/${ada.id}`, { stageId: win.id })).status).toBe(200);
    await expectEventually(async () =>
      expect(await enrollments(account, followUp.id)).toEqual([
        expect.objectContaining({ leadId: ada.id, email: ada.email, status: 'stopped', stopReason: 'won', currentStep: 2, nextRunAt: null }),
      ]),
    );
    expect(await enrollments(account, hotOnly.id)).toEqual([expect.objectContaining({ status: 'completed', currentStep: 1 })]);
    const sends = await call(account, 'GET', `/v1/sequences/${followUp.id}/sends`);
    expect(sends.body.items.map((send: any) => [send.step, send.status])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
    ]);
    expect(smtp.messagesTo(ada.email).map((mail) => mail.subject).sort()).toEqual(['A note for Ada at Initech', 'Following up, Ada', 'Welcome Ada']);
  });

  it('unsubscribes through the public link, and a new analysis of the lead does not enrol it again', async () => {
    const account = await signUp(gateway);
    const sequence = await createSequence(account, {
      name: 'Nurture',
      criteria: { qualifications: ['hot'] },
      steps: [
        { delaySeconds: 0, subject: 'Hello {{firstName}}', body: 'b' },
        { delaySeconds: 3600, subject: 'Later', body: 'b' },
      ],
    });
    const other = await createSequence(account, { name: 'Other', criteria: { qualifications: ['hot'] }, steps: [{ delaySeconds: 3600, subject: 'Later', body: 'b' }] });
    const bob = await submitLead(account, 'Bob');
    const link = unsubscribeLink(await mailTo(bob.email, 'Hello Bob'));

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('b***@initech.com');
    // Showing the page changed nothing.
    expect(await enrollments(account, sequence.id)).toEqual([expect.objectContaining({ status: 'active' })]);

    // The one-click POST a mail client sends (RFC 8058), no credentials.
    const confirmed = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are unsubscribed');
    for (const sequenceId of [sequence.id, other.id]) {
      expect(await enrollments(account, sequenceId)).toEqual([expect.objectContaining({ leadId: bob.id, status: 'stopped', stopReason: 'unsubscribed', nextRunAt: null })]);
    }
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);

    // Analysed again: lead.scored is published again, and nothing is enrolled or sent.
    const scoredAt = async () =>
      (await queryDatabase<{ scored_at: Date }>(stack.services.sequences.database.url, `SELECT scored_at FROM leads WHERE id = $1`, [bob.id]))[0].scored_at.getTime();
    const firstScoredAt = await scoredAt();
    expect((await call(account, 'POST', `/v1/leads/${bob.id}/retry-analysis`)).status).toBe(202);
    await expectEventually(async () => expect(await scoredAt()).toBeGreaterThan(firstScoredAt), { timeoutMs: 60_000, description: 'the new lead.scored handled' });
    for (const sequenceId of [sequence.id, other.id]) {
      expect(await enrollments(account, sequenceId)).toEqual([expect.objectContaining({ leadId: bob.id, status: 'stopped', stopReason: 'unsubscribed' })]);
    }
    expect(smtp.messagesTo(bob.email).map((mail) => mail.subject)).toEqual(['Hello Bob']);

    const forged = `${link.slice(0, link.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    for (const url of [forged, `${gateway}/v1/unsubscribe/nonsense`]) {
      const answer = await fetch(url);
      expect(answer.status).toBe(404);
      expect(await answer.text()).toContain('not valid');
    }
  });

  it('refuses bad input naming the field, and keeps each workspace\'s sequences to itself', async () => {
    const [owner, stranger] = await Promise.all([signUp(gateway), signUp(gateway)]);
    const badTemplate = await call(owner, 'POST', '/v1/sequences', {
      name: 'Bad',
      status: 'active',
      criteria: { qualifications: ['hot'] },
      steps: [
        { delaySeconds: 0, subject: 'ok', body: 'ok' },
        { delaySeconds: 60, subject: 'ok', body: 'Hi {{first name}}' },
      ],
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.contentType).toContain('application/problem+json');
    expect(badTemplate.body.errors).toEqual([{ field: 'steps.1.body', reason: expect.stringContaining('is not a variable') }]);

    const unknownPipeline = await call(owner, 'POST', '/v1/sequences', {
      name: 'Pipelines',
      status: 'active',
      criteria: { qualifications: ['hot'], pipelineIds: [randomUUID()] },
      steps: [{ delaySeconds: 0, subject: 's', body: 'b' }],
    });
    expect(unknownPipeline.status).toBe(400);
    expect(unknownPipeline.body.errors).toEqual([{ field: 'criteria.pipelineIds.0', reason: 'no such pipeline in this workspace' }]);
    expect((await call(owner, 'GET', '/v1/sequences')).body.items).toEqual([]);

    const sequence = await createSequence(owner, { name: 'Mine', criteria: { qualifications: ['hot'] }, steps: [{ delaySeconds: 0, subject: 's', body: 'b' }] });
    for (const [method, path, body] of [
      ['GET', `/v1/sequences/${sequence.id}`],
      ['PATCH', `/v1/sequences/${sequence.id}`, { status: 'paused' }],
      ['DELETE', `/v1/sequences/${sequence.id}`],
      ['GET', `/v1/sequences/${sequence.id}/enrollments`],
    ] as const) {
      const reply = await call(stranger, method, path, body);
      expect(reply.status).toBe(404);
      expect(reply.contentType).toContain('application/problem+json');
    }
    expect((await call(stranger, 'GET', '/v1/sequences')).body.items).toEqual([]);
    expect((await call(owner, 'GET', `/v1/sequences/${sequence.id}`)).body).toMatchObject({ name: 'Mine', status: 'active', version: 1 });
    expect((await call(undefined, 'GET', '/v1/sequences')).status).toBe(401);
    expect((await call(undefined, 'GET', '/v1/sequence-sender')).status).toBe(401);
  });
});
