import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { randomUUID } from 'node:crypto';
import { EmailClass, LeadChannel, MxStatus, Topics, encodeEvent } from '@leads/contracts';
import { expectEventually, signUp, startDevModel, startStack, type DevModel, type Stack } from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';

const read = (response: Response): Promise<any> => response.json();
type Account = Awaited<ReturnType<typeof signUp>>;

/**
 * End to end through the gateway: the pipeline and scoring services and the gateway as their own
 * processes, the dev model as the AI. There is no enrichment service in this stack: the test
 * publishes each lead's lead.enriched itself, as enrichment would.
 */
describe('AI analysis failures and retries, through the public API', () => {
  let model: DevModel;
  let stack: Stack;
  let gateway: string;
  let producer: Producer;

  const call = (account: Account | undefined, method: string, path: string, body?: unknown) =>
    fetch(`${gateway}${path}`, {
      method,
      headers: { ...account?.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const getLead = async (account: Account, id: string) => {
    const response = await call(account, 'GET', `/v1/leads/${id}`);
    expect(response.status).toBe(200);
    return read(response);
  };

  /** Posts a lead, waits until it is on its pipeline, and enriches it the way the enrichment service would. */
  async function submitAndEnrich(account: Account, fields: { email: string; firstName: string; lastName: string; jobTitle: string } & Record<string, string>) {
    const response = await call(account, 'POST', '/v1/leads', fields);
    expect(response.status).toBe(202);
    const { id } = await read(response);
    const placed = await expectEventually(
      async () => {
        const lead = await getLead(account, id);
        expect(lead.stageId).not.toBeNull();
        return lead;
      },
      { description: 'the lead placed' },
    );
    const { email, firstName, lastName, jobTitle, ...customFields } = fields;
    const record = encodeEvent(
      Topics.leadEnriched,
      {
        leadId: id,
        workspaceId: account.workspace.id,
        submissionId: randomUUID(),
        profile: { email, firstName, lastName, jobTitle, customFields },
        source: { channel: LeadChannel.API },
        enrichment: { email: { syntaxValid: true, domain: 'gmail.com', mxStatus: MxStatus.VALID, mxHosts: ['gmail-smtp-in.l.google.com'] }, emailClass: EmailClass.PERSONAL },
        occurredAt: timestampFromDate(new Date()),
      },
      { key: id, source: '/tests/enrichment' },
    );
    await producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
    return { id: id as string, placed };
  }

  const waitStatus = (account: Account, id: string, status: 'failed' | 'scored') =>
    expectEventually(
      async () => {
        const lead = await getLead(account, id);
        expect(lead.processingStatus).toBe(status);
        return lead;
      },
      { description: `lead ${id} ${status}` },
    );

  /** The fields a client submitted and the pipeline placed: what an analysis, failed or not, never changes. */
  const submitted = (lead: any) => ({
    id: lead.id,
    email: lead.email,
    firstName: lead.firstName,
    lastName: lead.lastName,
    phone: lead.phone,
    companyName: lead.companyName,
    customFields: lead.customFields,
    source: lead.source,
    pipelineId: lead.pipelineId,
    stageId: lead.stageId,
    createdAt: lead.createdAt,
  });

  beforeAll(async () => {
    model = await startDevModel();
    await model.setMode({ mode: 'outage' });
    stack = await startStack(['pipeline', 'scoring', 'ingest'], {
      serviceEnv: {
        scoring: {
          OPENAI_BASE_URL: model.url,
          OPENAI_API_KEY: 'dev',
          SCORING_MODEL: model.modelName,
          SCORING_MAX_ATTEMPTS: '2',
          SCORING_RETRY_BASE_MS: '50',
          SCORING_RETRY_MAX_MS: '100',
        },
      },
    });
    gateway = stack.gateway;
    producer = new Kafka({ brokers: stack.brokers.split(','), clientId: 'analysis-e2e', logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await model?.stop();
  });

  it('shows a lead whose analysis failed as failed with every field intact, and scores it after retry-analysis', async () => {
    await model.setMode({ mode: 'outage' });
    const account = await signUp(gateway);
    const { id, placed } = await submitAndEnrich(account, {
      email: `grace-${randomUUID().slice(0, 8)}@gmail.com`,
      firstName: 'Grace',
      lastName: 'Hopper',
      jobTitle: 'Rear Admiral',
      organization: 'Initech',
      plan: 'enterprise',
    });

    const failed = await waitStatus(account, id, 'failed');
    expect(submitted(failed)).toEqual(submitted(placed));
    expect(failed.customFields).toEqual({ organization: 'Initech', plan: 'enterprise' });
    expect(failed).toMatchObject({
      score: null,
      qualification: null,
      scoringModel: null,
      failure: { stage: 'scoring', errorCode: 'llm_unavailable', retryable: true, attemptCount: 2, reason: expect.stringContaining('unavailable') },
    });

    await model.setMode({ mode: 'normal' });
    const retry = await call(account, 'POST', `/v1/leads/${id}/retry-analysis`);
    expect(retry.status).toBe(202);
    expect(await read(retry)).toEqual({ leadId: id, requested: 1 });

    const scored = await waitStatus(account, id, 'scored');
    // What was submitted is intact; the company the model found under `organization` is shown.
    expect(submitted(scored)).toEqual({ ...submitted(placed), companyName: 'Initech' });
    expect(scored).toMatchObject({ scoringModel: 'dev-model-1', failure: null, qualificationReason: expect.stringContaining('"organization"') });
    expect(scored.score).toEqual(expect.any(Number));
    expect(['hot', 'warm', 'cold']).toContain(scored.qualification);
  });

  it('answers 404 for a lead that is not the workspace\'s, and 401 without credentials', async () => {
    const [owner, stranger] = await Promise.all([signUp(gateway), signUp(gateway)]);
    const response = await call(owner, 'POST', '/v1/leads', { email: `owner-lead-${randomUUID().slice(0, 8)}@example.com` });
    const { id } = await read(response);
    for (const [account, leadId] of [
      [stranger, id],
      [owner, randomUUID()],
      [owner, 'not-a-uuid'],
    ] as const) {
      const retry = await call(account, 'POST', `/v1/leads/${leadId}/retry-analysis`);
      expect(retry.status).toBe(404);
      expect(retry.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call(undefined, 'POST', `/v1/leads/${id}/retry-analysis`)).status).toBe(401);
    expect((await call(undefined, 'POST', '/v1/leads/retry-failed')).status).toBe(401);
  });

  it('retries every failed lead of the workspace, and only those', async () => {
    await model.setMode({ mode: 'outage' });
    const [account, other] = await Promise.all([signUp(gateway), signUp(gateway)]);
    const lead = (name: string) => ({ email: `${name}-${randomUUID().slice(0, 8)}@gmail.com`, firstName: name, lastName: 'Test', jobTitle: 'Buyer', employer: `${name} Corp` });
    const mine = await Promise.all([submitAndEnrich(account, lead('ann')), submitAndEnrich(account, lead('bob'))]);
    const theirs = await submitAndEnrich(other, lead('eve'));
    await Promise.all([...mine.map(({ id }) => waitStatus(account, id, 'failed')), waitStatus(other, theirs.id, 'failed')]);

    await model.setMode({ mode: 'normal' });
    const response = await call(account, 'POST', '/v1/leads/retry-failed');
    expect(response.status).toBe(202);
    expect(await read(response)).toEqual({ requested: 2 });
    const scored = await Promise.all(mine.map(({ id }) => waitStatus(account, id, 'scored')));
    expect(scored.map((item) => item.scoringModel)).toEqual(['dev-model-1', 'dev-model-1']);
    // The other workspace's failed lead was not part of it.
    expect((await getLead(other, theirs.id)).processingStatus).toBe('failed');
    expect(await read(await call(other, 'POST', '/v1/leads/retry-failed', { reason: 'model is back' }))).toEqual({ requested: 1 });
    await waitStatus(other, theirs.id, 'scored');
  });

  it('retries the selected leads in one request, with a result per id, and only the workspace\'s', async () => {
    await model.setMode({ mode: 'outage' });
    const [account, other] = await Promise.all([signUp(gateway), signUp(gateway)]);
    const lead = (name: string) => ({ email: `${name}-${randomUUID().slice(0, 8)}@gmail.com`, firstName: name, lastName: 'Test', jobTitle: 'Buyer' });
    const [first, second, unselected] = await Promise.all([submitAndEnrich(account, lead('cy')), submitAndEnrich(account, lead('di')), submitAndEnrich(account, lead('ed'))]);
    const theirs = await submitAndEnrich(other, lead('fay'));
    await Promise.all([first, second, unselected].map(({ id }) => waitStatus(account, id, 'failed')));
    await waitStatus(other, theirs.id, 'failed');

    await model.setMode({ mode: 'normal' });
    const unknown = randomUUID();
    const response = await call(account, 'POST', '/v1/leads/retry-analysis', { leadIds: [first.id, second.id, theirs.id, first.id, unknown] });
    expect(response.status).toBe(202);
    expect(await read(response)).toEqual({
      requested: 2,
      results: [
        { leadId: first.id, status: 'requested' },
        { leadId: second.id, status: 'requested' },
        { leadId: theirs.id, status: 'not_found' },
        { leadId: unknown, status: 'not_found' },
      ],
    });
    await Promise.all([first, second].map(({ id }) => waitStatus(account, id, 'scored')));
    expect((await getLead(account, unselected.id)).processingStatus).toBe('failed');
    expect((await getLead(other, theirs.id)).processingStatus).toBe('failed');

    for (const [body, field] of [
      [{ leadIds: [] }, 'leadIds'],
      [{ leadIds: ['nope'] }, 'leadIds.0'],
      [{ leadIds: Array.from({ length: 1001 }, () => randomUUID()) }, 'leadIds'],
    ] as const) {
      const invalid = await call(account, 'POST', '/v1/leads/retry-analysis', body);
      expect(invalid.status).toBe(400);
      expect((await read(invalid)).errors).toEqual([expect.objectContaining({ field })]);
    }
  });
});
