import { randomUUID } from 'node:crypto';
import { MoveChannel, StageKind, Topics } from '@leads/contracts';
import { expectEventually, queryDatabase } from '@leads/testing';
import {
  EventPublisher,
  StageChangedReader,
  apiClient,
  defaultPipelineOf,
  newWorkspace,
  seedLeads,
  startPipeline,
  type ApiClient,
  type RunningPipeline,
} from './pipeline.harness';

const stage = (name: string, kind: 'open' | 'win' | 'lost' = 'open', color = '#112233') => ({ name, color, kind });
const validStages = [stage('Lead'), stage('Demo'), stage('Won', 'win'), stage('Lost', 'lost')];

describe('pipeline service: pipelines and stages', () => {
  let service: RunningPipeline;
  let events: EventPublisher;
  let stageChanges: StageChangedReader;

  beforeAll(async () => {
    events = new EventPublisher();
    stageChanges = new StageChangedReader();
    // The reader subscribes once the service has created the topics.
    [service] = await Promise.all([startPipeline('pipeline_pipelines'), events.connect()]);
    await stageChanges.start();
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), stageChanges?.stop()]);
    await service?.stop();
  });

  const pipelineRows = () => queryDatabase(service.database.url, `SELECT 1 FROM pipelines`);
  async function createPipeline(api: ApiClient, name = 'Sales', stages: unknown[] = validStages) {
    const reply = await api.post('/v1/pipelines', { name, stages });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; version: number; stages: Array<{ id: string; name: string; kind: string; color: string; position: number }> };
  }

  describe('refuses a pipeline that breaks the stage rules, with a problem naming the field, and stores nothing', () => {
    const api = () => apiClient(service, newWorkspace());
    it.each([
      ['no win stage', [stage('Lead'), stage('Lost', 'lost')], { field: 'stages', reason: 'must have exactly one win stage (found 0)' }],
      ['two win stages', [stage('Lead'), stage('Won', 'win'), stage('Also won', 'win'), stage('Lost', 'lost')], { field: 'stages', reason: 'must have exactly one win stage (found 2)' }],
      ['two lost stages', [stage('Lead'), stage('Won', 'win'), stage('Lost', 'lost'), stage('Gone', 'lost')], { field: 'stages', reason: 'must have exactly one lost stage (found 2)' }],
      ['no open stage', [stage('Won', 'win'), stage('Lost', 'lost')], { field: 'stages', reason: 'must have at least one open stage' }],
      ['duplicate names (case-insensitive)', [...validStages, stage('DEMO')], { field: 'stages.4.name', reason: expect.stringContaining('duplicates the name of stage 1') }],
      ['a colour that is not #rrggbb', [{ ...stage('Lead'), color: 'blue' }, ...validStages.slice(1)], { field: 'stages.0.color', reason: 'must be a colour written #rrggbb' }],
      ['an unknown kind', [{ ...stage('Lead'), kind: 'maybe' }, ...validStages.slice(1)], { field: 'stages.0.kind', reason: expect.any(String) }],
    ])('%s', async (_, stages, error) => {
      const before = (await pipelineRows()).length;
      const reply = await api().post('/v1/pipelines', { name: 'Broken', stages });
      expect(reply.status).toBe(400);
      expect(reply.contentType).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ type: 'https://500leads.dev/problems/invalid-request', status: 400, errors: [error] });
      expect(await pipelineRows()).toHaveLength(before);
    });
  });

  it('creates, lists, reads and edits a pipeline: rename, reorder, recolour, add a stage', async () => {
    const api = apiClient(service, newWorkspace());
    const created = await createPipeline(api, 'Sales', [stage('Lead', 'open', '#AABBCC'), stage('Won', 'win'), stage('Lost', 'lost')]);
    expect(created).toMatchObject({ name: 'Sales', isDefault: false, version: 1 });
    expect(created.stages.map(({ name, color, kind, position }) => [name, color, kind, position])).toEqual([
      ['Lead', '#aabbcc', 'open', 0],
      ['Won', '#112233', 'win', 1],
      ['Lost', '#112233', 'lost', 2],
    ]);
    expect((await api.get(`/v1/pipelines/${created.id}`)).body).toEqual(created);
    expect((await api.get('/v1/pipelines')).body.items).toEqual([created]);

    const [lead, won, lost] = created.stages;
    const edited = await api.patch(`/v1/pipelines/${created.id}`, {
      name: 'Enterprise sales',
      version: 1,
      stages: [
        { id: lead.id, name: 'Inbound', color: '#000000', kind: 'open' },
        { name: 'Meeting', color: '#00ff00', kind: 'open' },
        { id: lost.id, name: 'Lost', color: '#ff0000', kind: 'lost' },
        { id: won.id, name: 'Won', color: '#112233', kind: 'win' },
      ],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Enterprise sales', version: 2 });
    expect(edited.body.stages.map(({ id, name, color, position }: { id: string; name: string; color: string; position: number }) => [id, name, color, position])).toEqual([
      [lead.id, 'Inbound', '#000000', 0],
      [expect.any(String), 'Meeting', '#00ff00', 1],
      [lost.id, 'Lost', '#ff0000', 2],
      [won.id, 'Won', '#112233', 3],
    ]);

    const stale = await api.patch(`/v1/pipelines/${created.id}`, { name: 'Too late', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: 'https://500leads.dev/problems/stale-version', currentVersion: 2 });
    const foreignStage = await api.patch(`/v1/pipelines/${created.id}`, { stages: [{ id: randomUUID(), ...stage('X') }, stage('W', 'win'), stage('L', 'lost')] });
    expect(foreignStage.status).toBe(400);
    expect(foreignStage.body.errors).toEqual([{ field: 'stages.0.id', reason: 'is not a stage of this pipeline' }]);
    const broken = await api.patch(`/v1/pipelines/${created.id}`, { stages: [{ id: lead.id, ...stage('Inbound') }, { id: won.id, ...stage('Won', 'win') }] });
    expect(broken.status).toBe(400);
    expect(broken.body.errors).toEqual([{ field: 'stages', reason: 'must have exactly one lost stage (found 0)' }]);
    expect((await api.get(`/v1/pipelines/${created.id}`)).body).toEqual(edited.body);
  });

  it('deletes a stage with leads only with a target stage, moving its leads as recorded moves', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    const pipeline = await createPipeline(api);
    const [leadStage, demo, won, lost] = pipeline.stages;
    const leads = await seedLeads(events, api, workspaceId, 2, pipeline.id);

    const keep = [{ id: demo.id, ...stage('Demo') }, { id: won.id, ...stage('Won', 'win') }, { id: lost.id, ...stage('Lost', 'lost') }];
    const refused = await api.patch(`/v1/pipelines/${pipeline.id}`, { stages: keep });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'https://500leads.dev/problems/stage-not-empty',
      errors: [{ field: `moveLeadsTo.${leadStage.id}`, reason: expect.stringContaining('has 2 lead(s)') }],
    });
    const wrongTarget = await api.patch(`/v1/pipelines/${pipeline.id}`, { stages: keep, moveLeadsTo: { [leadStage.id]: leadStage.id } });
    expect(wrongTarget.status).toBe(400);
    expect(wrongTarget.body.errors).toEqual([{ field: `moveLeadsTo.${leadStage.id}`, reason: 'must be a stage this request keeps' }]);
    expect((await api.get(`/v1/pipelines/${pipeline.id}`)).body.stages).toHaveLength(4);

    const done = await api.patch(`/v1/pipelines/${pipeline.id}`, { stages: keep, moveLeadsTo: { [leadStage.id]: demo.id } });
    expect(done.status).toBe(200);
    expect(done.body.stages.map((s: { id: string }) => s.id)).toEqual([demo.id, won.id, lost.id]);
    for (const leadId of leads) {
      expect((await api.get(`/v1/leads/${leadId}`)).body.stageId).toBe(demo.id);
      expect((await api.get(`/v1/leads/${leadId}/history`)).body.items.at(-1)).toMatchObject({
        fromStageId: leadStage.id,
        fromStageName: 'Lead',
        toStageId: demo.id,
        channel: 'bulk',
        actor: { kind: 'user', id: 'user-1' },
      });
      await expectEventually(() => expect(stageChanges.of(leadId).map((event) => event.toStageId)).toEqual([leadStage.id, demo.id]));
    }
  });

  it('deletes a pipeline only when it is not the default, moving its leads to the target pipeline', async () => {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId);
    await events.publish(Topics.workspaceCreated, workspaceId, { workspaceId, name: 'Deleting' });
    const defaultPipeline = await defaultPipelineOf(api);
    const doomed = await createPipeline(api, 'Doomed');
    const [leadId] = await seedLeads(events, api, workspaceId, 1, doomed.id);

    const defaultRefused = await api.delete(`/v1/pipelines/${defaultPipeline.id}`);
    expect(defaultRefused.status).toBe(409);
    expect(defaultRefused.body.type).toBe('https://500leads.dev/problems/default-pipeline');
    const noTarget = await api.delete(`/v1/pipelines/${doomed.id}`);
    expect(noTarget.status).toBe(409);
    expect(noTarget.body).toMatchObject({ type: 'https://500leads.dev/problems/pipeline-not-empty', errors: [{ field: 'targetPipelineId' }] });
    const unknownTarget = await api.delete(`/v1/pipelines/${doomed.id}?targetPipelineId=${randomUUID()}`);
    expect(unknownTarget.status).toBe(400);
    expect(unknownTarget.body.errors).toEqual([{ field: 'targetPipelineId', reason: 'is not a pipeline of this workspace' }]);
    expect((await api.get(`/v1/pipelines/${doomed.id}`)).status).toBe(200);

    const deleted = await api.delete(`/v1/pipelines/${doomed.id}?targetPipelineId=${defaultPipeline.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.get(`/v1/pipelines/${doomed.id}`)).status).toBe(404);
    expect((await api.get(`/v1/leads/${leadId}`)).body).toMatchObject({ pipelineId: defaultPipeline.id, stageId: defaultPipeline.stages[0].id });
    const moved = await expectEventually(() => {
      expect(stageChanges.of(leadId)).toHaveLength(2);
      return stageChanges.of(leadId)[1];
    });
    expect(moved).toMatchObject({
      pipelineId: defaultPipeline.id,
      fromPipelineId: doomed.id,
      fromStageId: doomed.stages[0].id,
      fromStageKind: StageKind.OPEN,
      toStageId: defaultPipeline.stages[0].id,
      channel: MoveChannel.BULK,
    });
    expect(moved.bulkMoveId).toMatch(/^[0-9a-f-]{36}$/);

    const empty = await createPipeline(api, 'Empty');
    expect((await api.delete(`/v1/pipelines/${empty.id}`)).status).toBe(204);
  });

  it('stores HTML- and SQL-looking names verbatim and returns them JSON-escaped', async () => {
    const api = apiClient(service, newWorkspace());
    const name = `<script>alert("x")</script>'; DROP TABLE pipelines; --`;
    const stageName = `Robert'); DELETE FROM stages WHERE ('1'='1 <img src=x onerror=alert(1)>`;
    const created = await createPipeline(api, name, [stage(stageName), stage('Won', 'win'), stage('Lost', 'lost')]);
    const reply = await api.get(`/v1/pipelines/${created.id}`);
    expect(reply.contentType).toContain('application/json');
    expect(reply.body.name).toBe(name);
    expect(reply.body.stages[0].name).toBe(stageName);
    expect((await pipelineRows()).length).toBeGreaterThan(0);
  });

  it("keeps workspaces apart: another workspace's pipelines are 404 to read, edit, delete, board and funnel, and unchanged", async () => {
    const owner = apiClient(service, newWorkspace());
    const intruder = apiClient(service, newWorkspace());
    const pipeline = await createPipeline(owner, 'Private');
    const stageId = pipeline.stages[0].id;

    for (const reply of [
      await intruder.get(`/v1/pipelines/${pipeline.id}`),
      await intruder.patch(`/v1/pipelines/${pipeline.id}`, { name: 'Taken' }),
      await intruder.delete(`/v1/pipelines/${pipeline.id}`),
      await intruder.get(`/v1/pipelines/${pipeline.id}/board`),
      await intruder.get(`/v1/pipelines/${pipeline.id}/board/stages/${stageId}`),
      await intruder.get(`/v1/pipelines/${pipeline.id}/funnel`),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.body.type).toBe('https://500leads.dev/problems/not-found');
    }
    expect((await intruder.get('/v1/pipelines')).body.items).toEqual([]);
    // Nor can the owner's ids be used as targets.
    const own = await createPipeline(intruder, 'Mine');
    const intoForeignStage = await intruder.post('/v1/leads/bulk', { leadIds: [randomUUID()], stageId });
    expect(intoForeignStage.status).toBe(400);
    expect(intoForeignStage.body.errors).toEqual([{ field: 'stageId', reason: 'is not a stage of this workspace' }]);
    const intoForeignPipeline = await intruder.delete(`/v1/pipelines/${own.id}?targetPipelineId=${pipeline.id}`);
    expect(intoForeignPipeline.status).toBe(400);
    expect(intoForeignPipeline.body.errors).toEqual([{ field: 'targetPipelineId', reason: 'is not a pipeline of this workspace' }]);
    expect((await owner.get(`/v1/pipelines/${pipeline.id}`)).body).toEqual(pipeline);
  });

  it('answers only the gateway: a missing or wrong token is 401, a bad workspace header 400', async () => {
    const workspaceId = newWorkspace();
    const noToken = await fetch(`${service.baseUrl}/v1/pipelines`, { headers: { 'x-workspace-id': workspaceId } });
    expect(noToken.status).toBe(401);
    const wrongToken = await fetch(`${service.baseUrl}/v1/pipelines`, { headers: { 'x-internal-token': `${service.token.slice(1)}x`, 'x-workspace-id': workspaceId } });
    expect(wrongToken.status).toBe(401);
    const badWorkspace = await fetch(`${service.baseUrl}/v1/pipelines`, { headers: { 'x-internal-token': service.token, 'x-workspace-id': 'everyone' } });
    expect(badWorkspace.status).toBe(400);
    expect(badWorkspace.headers.get('content-type')).toContain('application/problem+json');
  });
});
