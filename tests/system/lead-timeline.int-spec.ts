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

type Account = Awaited<ReturnType<typeof signUp>>;
type Entry = { at: string; type: string; id: string } & Record<string, any>;
type Timeline = { items: Entry[]; unavailable: string[]; truncated: boolean };

/**
 * A lead's timeline (`GET /v1/leads/:id/timeline`) as its reader sees it: one list, oldest first,
 * told by every service the lead went through (gateway submissions, enrichment, each AI attempt,
 * pipeline moves, sequence emails), and still answered when one of them is down.
 */
describe('a lead timeline composed from every service', () => {
  let dns: DnsServer;
  let model: DevModel;
  let smtp: SmtpServer;
  let stack: Stack;

  const call = async (account: Account, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.gateway}${path}`, {
      method,
      headers: { ...account.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  const timelineOf = async (account: Account, leadId: string): Promise<Timeline> => {
    const reply = await call(account, 'GET', `/v1/leads/${leadId}/timeline`);
    expect(reply.status).toBe(200);
    return reply.body;
  };

  const timelineWhen = (account: Account, leadId: string, description: string, holds: (timeline: Timeline) => void) =>
    expectEventually(
      async () => {
        const timeline = await timelineOf(account, leadId);
        holds(timeline);
        return timeline;
      },
      { timeoutMs: 60_000, description },
    );

  const ofType = (timeline: Timeline, type: string) => timeline.items.filter((entry) => entry.type === type);

  beforeAll(async () => {
    [dns, model, smtp] = await Promise.all([startDnsServer({ 'initech.com': { mx: ['10 mx.initech.com'] } }), startDevModel(), startSmtpServer()]);
    stack = await startStack(['ingest', 'pipeline', 'enrichment', 'scoring', 'sequences'], {
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address, DNS_TIMEOUT_MS: '1000', DNS_TRIES: '1' },
        scoring: {
          OPENAI_BASE_URL: model.url,
          OPENAI_API_KEY: 'test-key',
          SCORING_MODEL: model.modelName,
          SCORING_MAX_ATTEMPTS: '2',
          SCORING_RETRY_BASE_MS: '50',
          SCORING_RETRY_MAX_MS: '100',
          SCORING_POLL_INTERVAL_MS: '200',
        },
        sequences: { SMTP_URL: smtp.url, SEQUENCES_POLL_INTERVAL_MS: '100' },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([dns?.close(), model?.stop(), smtp?.stop()]);
  });

  it('tells a failed analysis, its retry, the score, the stage moves, the sequence email and a resubmission in order', async () => {
    const account = await signUp(stack.gateway);
    const sequence = await call(account, 'POST', '/v1/sequences', {
      name: 'Hot leads welcome',
      status: 'active',
      criteria: { qualifications: ['hot'] },
      steps: [{ delaySeconds: 0, subject: 'Hello {{firstName}}', body: 'Hi {{firstName}}, thanks for reaching out.' }],
    });
    expect(sequence.status).toBe(201);

    await model.setMode({ mode: 'outage' });
    const email = `ada-${randomUUID().slice(0, 8)}@initech.com`;
    const profile = { email, firstName: 'Ada', lastName: 'Lovelace', companyName: 'Initech', jobTitle: 'CTO', phone: '+1 555 0100', plan: 'enterprise' };
    const created = await call(account, 'POST', '/v1/leads', { ...profile, utm: { source: 'newsletter' } });
    expect(created.status).toBe(202);
    const leadId: string = created.body.id;

    const failed = await timelineWhen(account, leadId, 'the failed analysis in the timeline', (timeline) => expect(ofType(timeline, 'analysis-failed')).toHaveLength(1));
    expect(failed.items[0]).toMatchObject({ type: 'submitted', channel: 'api', fields: expect.objectContaining({ plan: 'enterprise' }), utm: { source: 'newsletter' } });
    expect(ofType(failed, 'enriched')).toEqual([expect.objectContaining({ emailClass: 'business', mxStatus: 'valid', company: expect.any(String) })]);
    const failedAttempts = ofType(failed, 'analysis-attempt');
    expect(failedAttempts).toHaveLength(2);
    for (const attempt of failedAttempts) expect(attempt).toMatchObject({ outcome: 'unavailable', httpStatus: 503, error: expect.any(String) });

    await model.setMode({ mode: 'normal' });
    expect((await call(account, 'POST', `/v1/leads/${leadId}/retry-analysis`, { reason: 'model is back' })).status).toBe(202);
    const scored = await timelineWhen(account, leadId, 'the retried analysis scored and the sequence email sent', (timeline) => {
      expect(ofType(timeline, 'scored')).toHaveLength(1);
      expect(ofType(timeline, 'email')).toEqual([expect.objectContaining({ status: 'sent' })]);
    });
    expect(ofType(scored, 'analysis-requested')).toEqual([expect.objectContaining({ requestedBy: { kind: 'api_key', id: expect.any(String) } })]);
    expect(ofType(scored, 'scored')[0]).toMatchObject({ qualification: 'hot', score: expect.any(Number), reason: expect.any(String), model: model.modelName, attempts: 1 });
    expect(ofType(scored, 'analysis-attempt').at(-1)).toMatchObject({ outcome: 'success', model: model.modelName, latencyMs: expect.any(Number) });
    expect(ofType(scored, 'placed')).toEqual([expect.objectContaining({ toStageName: 'New' })]);
    expect(ofType(scored, 'enrolled')).toEqual([expect.objectContaining({ sequenceId: sequence.body.id, sequenceName: 'Hot leads welcome' })]);
    expect(ofType(scored, 'email')[0]).toMatchObject({ sequenceName: 'Hot leads welcome', step: 1, subject: 'Hello Ada' });

    const lead = (await call(account, 'GET', `/v1/leads/${leadId}`)).body;
    const pipeline = (await call(account, 'GET', `/v1/pipelines/${lead.pipelineId}`)).body;
    const contacted = pipeline.stages.find((stage: { name: string }) => stage.name === 'Contacted');
    expect((await call(account, 'PATCH', `/v1/leads/${leadId}`, { stageId: contacted.id })).status).toBe(200);
    expect((await call(account, 'POST', '/v1/leads', { ...profile, phone: '+1 555 0199' })).body).toEqual({ id: leadId, duplicate: true });

    const told = await timelineWhen(account, leadId, 'the move and the resubmission', (timeline) => {
      expect(ofType(timeline, 'stage-moved')).toHaveLength(1);
      expect(ofType(timeline, 'submitted')).toHaveLength(2);
    });
    expect(told.unavailable).toEqual([]);
    expect(ofType(told, 'stage-moved')[0]).toMatchObject({ fromStageName: 'New', toStageName: 'Contacted', channel: 'api' });
    expect(ofType(told, 'submitted')[1].fields).toMatchObject({ phone: '+1 555 0199' });
    // Oldest first, in the order the lead lived it. (Enrichment is told once, as of its latest run:
    // the resubmission may have been enriched again by now, so its place is checked in `failed`.)
    const first = (timeline: Timeline, type: string) => timeline.items.findIndex((entry) => entry.type === type);
    const enrichedFirst = ['submitted', 'enriched', 'analysis-failed'].map((type) => first(failed, type));
    expect(enrichedFirst[0]).toBe(0);
    expect(enrichedFirst).toEqual([...enrichedFirst].sort((a, b) => a - b));
    const order = ['submitted', 'analysis-failed', 'analysis-requested', 'scored', 'enrolled', 'email', 'stage-moved'].map((type) => first(told, type));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const times = told.items.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(told.items.map((entry) => entry.id)).size).toBe(told.items.length);

    const stranger = await signUp(stack.gateway);
    expect((await call(stranger, 'GET', `/v1/leads/${leadId}/timeline`)).status).toBe(404);
  });

  it('still answers when a service is down, naming the part that is missing', async () => {
    const account = await signUp(stack.gateway);
    const created = await call(account, 'POST', '/v1/leads', { email: `grace-${randomUUID().slice(0, 8)}@initech.com`, firstName: 'Grace' });
    const leadId: string = created.body.id;
    await timelineWhen(account, leadId, 'the lead placed', (timeline) => expect(ofType(timeline, 'placed')).toHaveLength(1));

    await stack.services.pipeline.process.stop();
    try {
      const timeline = await timelineOf(account, leadId);
      expect(timeline.unavailable).toEqual(['pipeline']);
      expect(ofType(timeline, 'placed')).toEqual([]);
      expect(ofType(timeline, 'submitted')).toHaveLength(1);
    } finally {
      await stack.restart('pipeline');
    }
  });
});
