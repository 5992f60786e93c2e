import { MoveChannel, StageKind, Topics, ActorKind, decodeEvent, type LeadStageChanged } from '@leads/contracts';
import { expectEventually, queryDatabase, signUp, startGroupsAtEnd, startStack, type Stack } from '@leads/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

const read = (response: Response): Promise<any> => response.json();
type Account = Awaited<ReturnType<typeof signUp>>;

/** End to end: the gateway and the pipeline service as their own processes, over HTTP and Kafka. */
describe('leads on pipelines, through the public API', () => {
  let stack: Stack;
  let gateway: string;
  let consumer: Consumer;
  const stageChanges: LeadStageChanged[] = [];

  const call = (account: Account, method: string, path: string, body?: unknown) =>
    fetch(`${gateway}${path}`, {
      method,
      headers: { ...account.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function defaultPipeline(account: Account) {
    return expectEventually(
      async () => {
        const { items } = await read(await call(account, 'GET', '/v1/pipelines'));
        expect(items).toHaveLength(1);
        return items[0];
      },
      { description: 'the default pipeline created on workspace.created' },
    );
  }

  async function createLead(account: Account, fields: Record<string, unknown>) {
    const response = await call(account, 'POST', '/v1/leads', fields);
    expect(response.status).toBe(202);
    const { id } = await read(response);
    return expectEventually(
      async () => {
        const lead = await call(account, 'GET', `/v1/leads/${id}`);
        expect(lead.status).toBe(200);
        const body = await read(lead);
        expect(body.stageId).not.toBeNull();
        return body;
      },
      { description: 'the lead placed on its pipeline' },
    );
  }

  beforeAll(async () => {
    stack = await startStack(['pipeline', 'ingest']);
    gateway = stack.gateway;
    const groupId = `e2e-stage-changes-${Date.now()}`;
    // From the end of the topic: other test files leave a backlog on the shared broker.
    await startGroupsAtEnd(stack.brokers, [groupId], [Topics.leadStageChanged.name]);
    consumer = new Kafka({ brokers: stack.brokers.split(','), clientId: 'e2e', logLevel: logLevel.NOTHING }).consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.leadStageChanged.name, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void stageChanges.push(decodeEvent(Topics.leadStageChanged, message).data) });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await stack?.stop();
  });

  it('signs up, takes the API key, posts a lead: the lead appears in New of the default pipeline', async () => {
    const account = await signUp(gateway);
    const pipeline = await defaultPipeline(account);
    expect(pipeline.stages.map((stage: any) => [stage.name, stage.kind])).toEqual([
      ['New', 'open'],
      ['Contacted', 'open'],
      ['Qualified', 'open'],
      ['Converted', 'win'],
      ['Closed', 'lost'],
    ]);
    const lead = await createLead(account, { email: 'first@example.com', firstName: 'First', employer: 'Initech' });
    expect(lead).toMatchObject({
      email: 'first@example.com',
      firstName: 'First',
      customFields: { employer: 'Initech' },
      source: 'api',
      processingStatus: 'received',
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0].id,
    });
    const board = await read(await call(account, 'GET', `/v1/pipelines/${pipeline.id}/board`));
    expect(board.columns[0]).toMatchObject({ count: 1, cards: [expect.objectContaining({ id: lead.id })] });
  });

  it('rejects a pipeline with zero or two Win stages with problem details naming the field', async () => {
    const account = await signUp(gateway);
    const stages = (kinds: string[]) => kinds.map((kind, i) => ({ name: `Stage ${i}`, color: '#336699', kind }));
    for (const kinds of [['open', 'lost'], ['open', 'win', 'win', 'lost']]) {
      const response = await call(account, 'POST', '/v1/pipelines', { name: 'Bad', stages: stages(kinds) });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((await read(response)).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'stages' })]));
    }
    const good = await call(account, 'POST', '/v1/pipelines', { name: 'Good', stages: stages(['open', 'win', 'lost']) });
    expect(good.status).toBe(201);
  });

  it('records moves by PATCH and by bulk in the history and on lead.stage-changed, with actor and channel', async () => {
    const account = await signUp(gateway);
    const pipeline = await defaultPipeline(account);
    const [, contacted, qualified] = pipeline.stages;
    const leads = await Promise.all(['a', 'b', 'c'].map((name) => createLead(account, { email: `${name}@moves.example` })));

    const patched = await call(account, 'PATCH', `/v1/leads/${leads[0].id}`, { stageId: contacted.id });
    expect(patched.status).toBe(200);
    expect((await read(patched)).stageId).toBe(contacted.id);
    const bulk = await read(await call(account, 'POST', '/v1/leads/bulk', { leadIds: leads.map((lead) => lead.id), stageId: qualified.id }));
    expect(bulk.results.map((result: any) => result.status)).toEqual(['moved', 'moved', 'moved']);

    const history = await read(await call(account, 'GET', `/v1/leads/${leads[0].id}/history`));
    expect(history.items.map((move: any) => [move.toStageName, move.channel, move.actor.kind])).toEqual([
      ['New', 'system', 'system'],
      ['Contacted', 'api', 'api_key'],
      ['Qualified', 'bulk', 'api_key'],
    ]);
    const events = await expectEventually(() => {
      const mine = stageChanges.filter((event) => event.leadId === leads[0].id);
      expect(mine).toHaveLength(3);
      return mine;
    });
    expect(events.map((event) => [event.toStageId, event.channel, event.actor?.kind])).toEqual([
      [pipeline.stages[0].id, MoveChannel.SYSTEM, ActorKind.SYSTEM],
      [contacted.id, MoveChannel.API, ActorKind.API_KEY],
      [qualified.id, MoveChannel.BULK, ActorKind.API_KEY],
    ]);
    expect(events[2]).toMatchObject({ fromStageId: contacted.id, toStageKind: StageKind.OPEN, workspaceId: account.workspace.id });
  });

  it('computes the funnel of a seeded history as counted by hand', async () => {
    const account = await signUp(gateway);
    const pipeline = await defaultPipeline(account);
    const [newStage, contacted, qualified, converted, closed] = pipeline.stages;
    const leads = await Promise.all(Array.from({ length: 6 }, (_, i) => createLead(account, { email: `funnel-${i}@example.com` })));
    const path: Record<number, string[]> = {
      // 0 and 1 stay in New
      2: [contacted.id],
      3: [contacted.id, qualified.id],
      4: [contacted.id, qualified.id, converted.id],
      5: [contacted.id, closed.id],
    };
    for (const [index, stageIds] of Object.entries(path)) {
      for (const stageId of stageIds) expect((await call(account, 'PATCH', `/v1/leads/${leads[Number(index)].id}`, { stageId })).status).toBe(200);
    }
    const funnel = await read(await call(account, 'GET', `/v1/pipelines/${pipeline.id}/funnel`));
    const reached = Object.fromEntries(funnel.stages.map((step: any) => [step.stage.id, [step.reached, step.conversionRate]]));
    // New: all 6; Contacted: leads 2-5 (4); Qualified: 3 and 4 (2); Converted: 4 (1); Closed: 5 (1).
    expect(reached[newStage.id]).toEqual([6, null]);
    expect(reached[contacted.id]).toEqual([4, 4 / 6]);
    expect(reached[qualified.id]).toEqual([2, 2 / 4]);
    expect(reached[converted.id]).toEqual([1, 1 / 2]);
    expect(reached[closed.id][0]).toBe(1);
    expect(funnel.totals).toEqual({ leads: 6, won: 1, winRate: 1 / 6, lost: 1, lostRate: 1 / 6 });
  });

  it("isolates workspaces: with A's key every endpoint answers 404 for B's things, and nothing changes", async () => {
    const [a, b] = [await signUp(gateway), await signUp(gateway)];
    const bPipeline = await defaultPipeline(b);
    const bLead = await createLead(b, { email: 'secret@b.example', firstName: 'Bee' });
    const bKeys = await read(await call(b, 'GET', '/v1/api-keys'));
    const bSource = await read(await call(b, 'POST', '/v1/webhook-sources', { name: 'B hook' }));
    const bForm = await read(await call(b, 'POST', '/v1/forms', { name: 'B form', allowedOrigins: ['https://b.example'] }));
    const aPipeline = await defaultPipeline(a);

    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/leads/${bLead.id}`],
      ['GET', `/v1/leads/${bLead.id}/history`],
      ['PATCH', `/v1/leads/${bLead.id}`, { stageId: aPipeline.stages[1].id }],
      ['PATCH', `/v1/leads/${bLead.id}`, { firstName: 'Mallory' }],
      ['GET', `/v1/pipelines/${bPipeline.id}`],
      ['PATCH', `/v1/pipelines/${bPipeline.id}`, { name: 'Taken' }],
      ['DELETE', `/v1/pipelines/${bPipeline.id}`],
      ['GET', `/v1/pipelines/${bPipeline.id}/board`],
      ['GET', `/v1/pipelines/${bPipeline.id}/funnel`],
      ['DELETE', `/v1/api-keys/${bKeys[0].id}`],
      ['GET', `/v1/webhook-sources/${bSource.id}`],
      ['POST', `/v1/webhook-sources/${bSource.id}/rotate-secret`, {}],
      ['DELETE', `/v1/webhook-sources/${bSource.id}`],
      ['GET', `/v1/forms/${bForm.id}`],
      ['GET', `/v1/forms/${bForm.id}/snippet`],
      ['DELETE', `/v1/forms/${bForm.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const response = await call(a, method, path, body);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    const bulk = await read(await call(a, 'POST', '/v1/leads/bulk', { leadIds: [bLead.id], stageId: aPipeline.stages[1].id }));
    expect(bulk.results).toEqual([expect.objectContaining({ leadId: bLead.id, status: 'not_found' })]);
    const listed = await read(await call(a, 'GET', `/v1/leads?q=secret`));
    expect(listed.items).toEqual([]);

    const after = await read(await call(b, 'GET', `/v1/leads/${bLead.id}`));
    expect(after).toMatchObject({ firstName: 'Bee', stageId: bLead.stageId, version: bLead.version });
    expect((await read(await call(b, 'GET', `/v1/pipelines/${bPipeline.id}`))).name).toBe(bPipeline.name);
    expect((await call(b, 'GET', '/v1/api-keys')).status).toBe(200);
    expect((await call(b, 'GET', `/v1/webhook-sources/${bSource.id}`)).status).toBe(200);
    expect((await call(b, 'GET', `/v1/forms/${bForm.id}`)).status).toBe(200);
    const [profile] = await queryDatabase<{ profile: { firstName: string } }>(stack.services.ingest.database.url, `SELECT profile FROM leads WHERE id = $1`, [bLead.id]);
    expect(profile.profile.firstName).toBe('Bee');
  });

  it('answers bad moves and bad pipelines with 4xx problem details and every service stays healthy', async () => {
    const account = await signUp(gateway);
    const pipeline = await defaultPipeline(account);
    const lead = await createLead(account, { email: 'bad-input@example.com' });
    const cases: Array<[string, string, unknown]> = [
      ['PATCH', `/v1/leads/${lead.id}`, { stageId: '00000000-0000-4000-8000-000000000000' }],
      ['PATCH', `/v1/leads/${lead.id}`, { stageId: 'not-a-stage' }],
      ['PATCH', `/v1/leads/${lead.id}`, { stageId: pipeline.stages[1].id, version: -1 }],
      ['POST', '/v1/leads/bulk', { leadIds: Array.from({ length: 1001 }, () => lead.id), stageId: pipeline.stages[1].id }],
      ['POST', '/v1/leads/bulk', { leadIds: [lead.id] }],
      ['POST', '/v1/pipelines', { name: 42, stages: 'many' }],
      ['POST', '/v1/pipelines', { name: '<script>x</script>', stages: [{ name: 'A', color: 'red', kind: 'open' }] }],
      ['GET', `/v1/leads?limit=100000`, undefined],
      ['GET', `/v1/leads?qualification=scalding`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const response = await call(account, method, path, body);
      expect([method, path, response.status >= 400 && response.status < 500]).toEqual([method, path, true]);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await read(await call(account, 'GET', `/v1/leads/${lead.id}`))).stageId).toBe(pipeline.stages[0].id);
    for (const service of Object.values(stack.services)) expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
  });
});
