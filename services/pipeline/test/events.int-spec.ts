import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ActorKind, EmailClass, FailureStage, LeadChannel, MoveChannel, Qualification, StageKind, Topics, encodeEvent } from '@leads/contracts';
import { expectEventually, queryDatabase, readMetric } from '@leads/testing';
import {
  EventPublisher,
  StageChangedReader,
  apiClient,
  brokers,
  defaultPipelineOf,
  handled,
  leadCreated,
  newWorkspace,
  startPipeline,
  type RunningPipeline,
} from './pipeline.harness';

const run = promisify(execFile);
const seconds = (n: number) => timestampFromDate(new Date(Date.UTC(2026, 10, 26, 8, 0, n)));

describe('pipeline service: the read model built from events', () => {
  let service: RunningPipeline;
  let events: EventPublisher;
  let stageChanges: StageChangedReader;

  beforeAll(async () => {
    events = new EventPublisher();
    stageChanges = new StageChangedReader();
    // The reader subscribes once the service has created the topics.
    [service] = await Promise.all([startPipeline('pipeline_events'), events.connect()]);
    await stageChanges.start();
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), stageChanges?.stop()]);
    await service?.stop();
  });

  const pipelinesIn = (workspaceId: string) =>
    queryDatabase<{ id: string }>(service.database.url, `SELECT id FROM pipelines WHERE workspace_id = $1`, [workspaceId]);

  it('gives a new workspace its default pipeline once, however often workspace.created is delivered', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const created = { workspaceId, name: 'Acme', createdByUserId: randomUUID() };
    const eventId = await events.publish(Topics.workspaceCreated, workspaceId, created);

    const pipeline = await defaultPipelineOf(api);
    expect(pipeline).toMatchObject({ isDefault: true, name: 'Default pipeline', version: 1 });
    expect(pipeline.stages.map(({ name, color, kind, position }) => ({ name, color, kind, position }))).toEqual([
      { name: 'New', color: '#3b82f6', kind: 'open', position: 0 },
      { name: 'Contacted', color: '#eab308', kind: 'open', position: 1 },
      { name: 'Qualified', color: '#8b5cf6', kind: 'open', position: 2 },
      { name: 'Converted', color: '#22c55e', kind: 'win', position: 3 },
      { name: 'Closed', color: '#6b7280', kind: 'lost', position: 4 },
    ]);

    // The same event again (a redelivery), and another event for the same workspace.
    await events.publish(Topics.workspaceCreated, workspaceId, created, eventId);
    await handled(service, await events.publish(Topics.workspaceCreated, workspaceId, created));
    await expectEventually(
      async () =>
        expect(await readMetric(`${service.baseUrl}/metrics`, 'messaging_events_total', { topic: 'workspace.created', outcome: 'duplicate' })).toBe(1),
      { description: 'the redelivery skipped' },
    );
    expect(await pipelinesIn(workspaceId)).toHaveLength(1);
    expect((await api.get('/v1/pipelines')).body.items).toHaveLength(1);
  });

  it('places a new lead in the first stage of the default pipeline, records it and announces it', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    await events.publish(Topics.workspaceCreated, workspaceId, { workspaceId, name: 'Placement' });
    const pipeline = await defaultPipelineOf(api);
    const data = leadCreated(workspaceId, {
      profile: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0000', companyName: 'Engines', jobTitle: 'Analyst', country: 'GB', customFields: { Employer: 'ACME', seats: 12 } },
      source: { channel: LeadChannel.CSV_IMPORT, sourceId: randomUUID() },
      occurredAt: seconds(0),
    });
    const eventId = await events.publish(Topics.leadCreated, data.leadId, data);

    const lead = await expectEventually(
      async () => {
        const { status, body } = await api.get(`/v1/leads/${data.leadId}`);
        expect(status).toBe(200);
        expect(body.stageId).not.toBeNull();
        return body;
      },
      { description: 'the lead placed' },
    );
    expect(lead).toEqual({
      id: data.leadId,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+44 20 7946 0000',
      companyName: 'Engines',
      jobTitle: 'Analyst',
      website: null,
      country: 'GB',
      region: null,
      city: null,
      source: 'csv_import',
      customFields: { Employer: 'ACME', seats: 12 },
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0].id,
      position: 1,
      processingStatus: 'received',
      enrichment: null,
      score: null,
      qualification: null,
      qualificationReason: null,
      scoringModel: null,
      failure: null,
      version: expect.any(Number),
      createdAt: '2026-11-26T08:00:00.000Z',
      updatedAt: expect.any(String),
    });

    const history = (await api.get(`/v1/leads/${data.leadId}/history`)).body.items;
    expect(history).toEqual([
      expect.objectContaining({
        fromStageId: null,
        toPipelineId: pipeline.id,
        toStageId: pipeline.stages[0].id,
        toStageName: 'New',
        actor: { kind: 'system', id: 'pipeline' },
        channel: 'system',
      }),
    ]);
    const [announced] = await expectEventually(() => {
      expect(stageChanges.of(data.leadId)).toHaveLength(1);
      return stageChanges.of(data.leadId);
    });
    expect(announced).toMatchObject({
      workspaceId,
      pipelineId: pipeline.id,
      fromStageId: '',
      fromStageKind: StageKind.UNSPECIFIED,
      toStageId: pipeline.stages[0].id,
      toStageKind: StageKind.OPEN,
      toStageName: 'New',
      actor: { kind: ActorKind.SYSTEM, id: 'pipeline' },
      channel: MoveChannel.SYSTEM,
    });

    // A redelivery changes nothing: still one placement.
    await events.publish(Topics.leadCreated, data.leadId, data, eventId);
    await expectEventually(async () =>
      expect(await readMetric(`${service.baseUrl}/metrics`, 'messaging_events_total', { topic: 'lead.created', outcome: 'duplicate' })).toBe(1),
    );
    expect((await api.get(`/v1/leads/${data.leadId}/history`)).body.items).toHaveLength(1);
  });

  it('places a lead in the pipeline its intake names, and in the default one when that pipeline is not the workspace’s', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const created = await api.post('/v1/pipelines', {
      name: 'Partners',
      stages: [
        { name: 'Won', color: '#00ff00', kind: 'win' },
        { name: 'Intro', color: '#0000ff', kind: 'open' },
        { name: 'Lost', color: '#ff0000', kind: 'lost' },
      ],
    });
    expect(created.status).toBe(201);
    const named = leadCreated(workspaceId, { pipelineId: created.body.id });
    const foreign = leadCreated(workspaceId, { pipelineId: randomUUID() });
    await events.publish(Topics.leadCreated, named.leadId, named);
    await events.publish(Topics.leadCreated, foreign.leadId, foreign);

    // No workspace.created was seen for this workspace: the default pipeline is made on demand.
    const fallback = await defaultPipelineOf(api);
    await expectEventually(async () => {
      expect((await api.get(`/v1/leads/${named.leadId}`)).body).toMatchObject({ pipelineId: created.body.id, stageId: created.body.stages[1].id });
      expect((await api.get(`/v1/leads/${foreign.leadId}`)).body).toMatchObject({ pipelineId: fallback.id, stageId: fallback.stages[0].id });
    });
    await handled(service, await events.publish(Topics.workspaceCreated, workspaceId, { workspaceId, name: 'Late' }));
    expect((await api.get('/v1/pipelines')).body.items.filter((pipeline: { isDefault: boolean }) => pipeline.isDefault)).toHaveLength(1);
  });

  it('ends with the scored lead whatever order the topics deliver its events in', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const leadId = randomUUID();
    const profile = { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', companyName: 'Navy' };
    const source = { channel: LeadChannel.WEBHOOK, sourceId: randomUUID() };
    const enrichment = { email: { syntaxValid: true, domain: 'example.com', mxHosts: ['mx.example.com'] }, emailClass: EmailClass.BUSINESS };

    // lead.scored first: the lead is created from the profile it carries, scored but not placed yet.
    await events.publish(Topics.leadScored, leadId, {
      leadId,
      workspaceId,
      score: 87,
      qualification: Qualification.HOT,
      reason: 'Senior buyer at a large organisation',
      model: 'gpt-test',
      profile,
      source,
      enrichment,
      occurredAt: seconds(30),
    });
    await expectEventually(async () =>
      expect((await api.get(`/v1/leads/${leadId}`)).body).toMatchObject({ processingStatus: 'scored', score: 87, pipelineId: null, stageId: null }),
    );

    await events.publish(Topics.leadCreated, leadId, { ...leadCreated(workspaceId, { leadId, profile, source }), occurredAt: seconds(0) });
    const pipeline = await defaultPipelineOf(api);
    await expectEventually(async () => expect((await api.get(`/v1/leads/${leadId}`)).body.stageId).toBe(pipeline.stages[0].id));

    // lead.enriched, older than the score, arrives last.
    await handled(
      service,
      await events.publish(Topics.leadEnriched, leadId, { leadId, workspaceId, profile: { ...profile, firstName: 'Stale' }, source, enrichment, occurredAt: seconds(10) }),
    );

    expect((await api.get(`/v1/leads/${leadId}`)).body).toMatchObject({
      firstName: 'Grace',
      source: 'webhook',
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0].id,
      processingStatus: 'scored',
      score: 87,
      qualification: 'hot',
      qualificationReason: 'Senior buyer at a large organisation',
      scoringModel: 'gpt-test',
      enrichment: {
        email: { syntaxValid: true, domain: 'example.com', mxStatus: null, mxHosts: ['mx.example.com'] },
        emailClass: 'business',
        geolocation: null,
        company: null,
      },
      failure: null,
      createdAt: '2026-11-26T08:00:00.000Z',
    });
  });

  it('marks a lead failed with the reason, and lets a later analysis clear it', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const data = { ...leadCreated(workspaceId), occurredAt: seconds(0) };
    await events.publish(Topics.leadCreated, data.leadId, data);
    await events.publish(Topics.leadFailed, data.leadId, {
      leadId: data.leadId,
      workspaceId,
      stage: FailureStage.SCORING,
      reason: 'The AI model did not answer in time.',
      errorCode: 'llm_timeout',
      retryable: true,
      attemptCount: 3,
      occurredAt: seconds(20),
    });
    await expectEventually(async () =>
      expect((await api.get(`/v1/leads/${data.leadId}`)).body).toMatchObject({
        processingStatus: 'failed',
        failure: {
          stage: 'scoring',
          reason: 'The AI model did not answer in time.',
          errorCode: 'llm_timeout',
          retryable: true,
          attemptCount: 3,
          failedAt: '2026-11-26T08:00:20.000Z',
        },
      }),
    );
    await events.publish(Topics.leadScored, data.leadId, { leadId: data.leadId, workspaceId, score: 40, qualification: Qualification.WARM, occurredAt: seconds(40) });
    await expectEventually(async () =>
      expect((await api.get(`/v1/leads/${data.leadId}`)).body).toMatchObject({ processingStatus: 'scored', failure: null, qualification: 'warm', firstName: 'Ada' }),
    );
  });

  it('sends an undecodable or invalid event to pipeline.dlq and keeps handling the partition', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const leadId = randomUUID();
    const deadLetters = () => readMetric(`${service.baseUrl}/metrics`, 'messaging_dead_letters_total', { consumer: 'pipeline', topic: 'lead.created' });
    const before = await deadLetters();

    const valid = encodeEvent(Topics.leadCreated, leadCreated(workspaceId, { leadId }), { key: leadId, source: '/tests/pipeline' });
    await events.send('lead.created', { key: leadId, value: Buffer.from('not protobuf at all'), headers: { ...valid.headers, ce_id: randomUUID() } });
    const notUuid = encodeEvent(Topics.leadCreated, leadCreated('not-a-workspace-id', { leadId }), { key: leadId, source: '/tests/pipeline' });
    await events.send('lead.created', { key: leadId, value: notUuid.value, headers: notUuid.headers });
    await events.send('lead.created', { key: valid.key, value: valid.value, headers: valid.headers });

    await expectEventually(async () => expect((await api.get(`/v1/leads/${leadId}`)).body.stageId).toEqual(expect.any(String)), {
      description: 'the valid event after the poison ones handled',
    });
    expect(await deadLetters()).toBe(before + 2);
    expect(await queryDatabase(service.database.url, `SELECT 1 FROM leads WHERE id = $1`, [leadId])).toHaveLength(1);

    // Any Kafka client can read the dead letters with their origin; an invalid event is not retried.
    const { stdout } = await run('kcat', ['-b', brokers(), '-C', '-t', 'pipeline.dlq', '-o', 'beginning', '-e', '-q', '-f', '%k\t%h\n']);
    const letters = stdout
      .split('\n')
      .filter((line) => line.startsWith(`${leadId}\t`))
      .map((line) => Object.fromEntries(line.split('\t')[1].split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])));
    expect(letters).toEqual([
      expect.objectContaining({ dlq_original_topic: 'lead.created', dlq_reason: 'undecodable: invalid-payload', dlq_attempts: '0' }),
      expect.objectContaining({ dlq_original_topic: 'lead.created', dlq_reason: 'handler failed', dlq_attempts: '1', dlq_consumer_group: 'pipeline' }),
    ]);
  });
});
