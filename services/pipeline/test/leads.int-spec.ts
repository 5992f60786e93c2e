import { randomUUID } from 'node:crypto';
import { ActorKind, LeadChannel, MoveChannel, StageKind, Topics } from '@leads/contracts';
import { expectEventually, queryDatabase } from '@leads/testing';
import {
  EventPublisher,
  StageChangedReader,
  apiClient,
  defaultPipelineOf,
  leadCreated,
  newWorkspace,
  seedLeads,
  startPipeline,
  type ApiClient,
  type RunningPipeline,
} from './pipeline.harness';

describe('pipeline service: leads, moves, board and funnel', () => {
  let service: RunningPipeline;
  let events: EventPublisher;
  let stageChanges: StageChangedReader;

  beforeAll(async () => {
    events = new EventPublisher();
    stageChanges = new StageChangedReader();
    // The reader subscribes once the service has created the topics.
    [service] = await Promise.all([startPipeline('pipeline_leads'), events.connect()]);
    await stageChanges.start();
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), stageChanges?.stop()]);
    await service?.stop();
  });

  /** A workspace with its default pipeline and `count` leads in New. */
  async function workspaceWithLeads(count: number, actor?: Parameters<typeof apiClient>[2]) {
    const workspaceId = newWorkspace();
    const api = apiClient(service, workspaceId, actor);
    await events.publish(Topics.workspaceCreated, workspaceId, { workspaceId, name: 'Leads' });
    const pipeline = await defaultPipelineOf(api);
    const leads = await seedLeads(events, api, workspaceId, count);
    const stage = (name: string) => pipeline.stages.find((candidate) => candidate.name === name)!;
    return { workspaceId, api, pipeline, leads, stage };
  }

  async function move(api: ApiClient, leadId: string, body: Record<string, unknown>) {
    const reply = await api.patch(`/v1/leads/${leadId}`, body);
    expect(reply.status).toBe(200);
    return reply.body;
  }

  it('moves a lead by PATCH: the history row and lead.stage-changed carry the actor and channel; a stale version is 409', async () => {
    const { api, pipeline, leads, stage } = await workspaceWithLeads(1, { kind: 'user', id: 'user-42' });
    const [leadId] = leads;
    const before = (await api.get(`/v1/leads/${leadId}`)).body;

    const moved = await move(api, leadId, { stageId: stage('Contacted').id, version: before.version, channel: 'kanban' });
    expect(moved).toMatchObject({ stageId: stage('Contacted').id, pipelineId: pipeline.id, version: before.version + 1 });
    expect((await api.get(`/v1/leads/${leadId}/history`)).body.items).toEqual([
      expect.objectContaining({ toStageName: 'New', channel: 'system' }),
      {
        id: expect.any(String),
        leadId,
        fromPipelineId: pipeline.id,
        fromStageId: stage('New').id,
        fromStageName: 'New',
        fromStageKind: 'open',
        toPipelineId: pipeline.id,
        toStageId: stage('Contacted').id,
        toStageName: 'Contacted',
        toStageKind: 'open',
        actor: { kind: 'user', id: 'user-42' },
        channel: 'kanban',
        bulkMoveId: null,
        movedAt: expect.any(String),
      },
    ]);
    const announced = await expectEventually(() => {
      expect(stageChanges.of(leadId)).toHaveLength(2);
      return stageChanges.of(leadId)[1];
    });
    expect(announced).toMatchObject({
      leadId,
      pipelineId: pipeline.id,
      fromStageId: stage('New').id,
      fromStageKind: StageKind.OPEN,
      fromStageName: 'New',
      toStageId: stage('Contacted').id,
      toStageKind: StageKind.OPEN,
      toStageName: 'Contacted',
      actor: { kind: ActorKind.USER, id: 'user-42' },
      channel: MoveChannel.KANBAN,
      bulkMoveId: '',
    });
    expect(announced.fromPipelineId).toBeUndefined();

    const stale = await api.patch(`/v1/leads/${leadId}`, { stageId: stage('Converted').id, version: before.version });
    expect(stale.status).toBe(409);
    expect(stale.contentType).toContain('application/problem+json');
    expect(stale.body).toMatchObject({ type: 'https://500leads.dev/problems/stale-version', currentVersion: moved.version });
    expect((await api.get(`/v1/leads/${leadId}`)).body).toEqual(moved);
    expect((await api.get(`/v1/leads/${leadId}/history`)).body.items).toHaveLength(2);

    const won = await move(api, leadId, { stageId: stage('Converted').id, version: moved.version, channel: 'detail_dropdown' });
    expect(won.stageId).toBe(stage('Converted').id);
    await expectEventually(() =>
      expect(stageChanges.of(leadId)[2]).toMatchObject({ toStageKind: StageKind.WIN, channel: MoveChannel.DETAIL_DROPDOWN }),
    );
  });

  it("moves a lead to another pipeline: its first open stage, unless a stage is given; unknown ids are 400 naming the field", async () => {
    const { api, pipeline, leads } = await workspaceWithLeads(2);
    const other = (
      await api.post('/v1/pipelines', {
        name: 'Other',
        stages: [
          { name: 'Lost', color: '#000000', kind: 'lost' },
          { name: 'First', color: '#000000', kind: 'open' },
          { name: 'Second', color: '#000000', kind: 'open' },
          { name: 'Won', color: '#000000', kind: 'win' },
        ],
      })
    ).body;
    const [first, second] = [other.stages[1], other.stages[2]];

    expect(await move(api, leads[0], { pipelineId: other.id })).toMatchObject({ pipelineId: other.id, stageId: first.id });
    expect(await move(api, leads[1], { pipelineId: other.id, stageId: second.id })).toMatchObject({ pipelineId: other.id, stageId: second.id });
    // Naming the pipeline a lead is already in leaves it in its stage.
    const unchanged = await move(api, leads[1], { pipelineId: other.id });
    expect(unchanged.stageId).toBe(second.id);
    await expectEventually(() =>
      expect(stageChanges.of(leads[0])[1]).toMatchObject({ pipelineId: other.id, fromPipelineId: pipeline.id, toStageName: 'First' }),
    );

    for (const [body, field, reason] of [
      [{ stageId: randomUUID() }, 'stageId', 'is not a stage of this workspace'],
      [{ pipelineId: randomUUID() }, 'pipelineId', 'is not a pipeline of this workspace'],
      [{ pipelineId: pipeline.id, stageId: second.id }, 'stageId', 'is not a stage of the pipeline pipelineId'],
      [{ beforeLeadId: leads[1] }, 'beforeLeadId', 'is not a lead of the target stage'],
      [{ stageId: 'new' }, 'stageId', 'must be a UUID'],
      [{ version: 'one' }, 'version', expect.any(String)],
      [{ channel: 'carrier-pigeon' }, 'channel', expect.any(String)],
      [{ stage_id: second.id }, '(body)', expect.stringContaining('stage_id')],
    ] as const) {
      const reply = await api.patch(`/v1/leads/${leads[0]}`, body);
      expect({ status: reply.status, errors: reply.body.errors }).toEqual({ status: 400, errors: [{ field, reason }] });
    }
    expect((await api.patch(`/v1/leads/${randomUUID()}`, { stageId: first.id })).status).toBe(404);
    expect((await api.get(`/v1/leads/${leads[0]}/history`)).body.items).toHaveLength(2);
  });

  it('bulk-moves leads with a result per id; each move is in the history and on the topic under one bulk move id', async () => {
    const { api, pipeline, leads, stage } = await workspaceWithLeads(4, { kind: 'api_key', id: 'key-7' });
    await move(api, leads[3], { stageId: stage('Qualified').id });
    const unknown = randomUUID();

    const reply = await api.post('/v1/leads/bulk', { leadIds: [leads[0], unknown, leads[1], 'not-an-id', leads[2].toUpperCase(), leads[3]], stageId: stage('Qualified').id });
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([
      { leadId: leads[0], status: 'moved' },
      { leadId: unknown, status: 'not_found' },
      { leadId: leads[1], status: 'moved' },
      { leadId: 'not-an-id', status: 'invalid', detail: 'is not a UUID' },
      { leadId: leads[2], status: 'moved' },
      { leadId: leads[3], status: 'unchanged' },
    ]);
    const { bulkMoveId } = reply.body;
    expect(bulkMoveId).toMatch(/^[0-9a-f-]{36}$/);

    for (const leadId of leads.slice(0, 3)) {
      expect((await api.get(`/v1/leads/${leadId}`)).body.stageId).toBe(stage('Qualified').id);
      expect((await api.get(`/v1/leads/${leadId}/history`)).body.items.at(-1)).toMatchObject({
        fromStageId: stage('New').id,
        toStageId: stage('Qualified').id,
        actor: { kind: 'api_key', id: 'key-7' },
        channel: 'bulk',
        bulkMoveId,
      });
      await expectEventually(() =>
        expect(stageChanges.of(leadId)[1]).toMatchObject({
          pipelineId: pipeline.id,
          toStageId: stage('Qualified').id,
          channel: MoveChannel.BULK,
          bulkMoveId,
          actor: { kind: ActorKind.API_KEY, id: 'key-7' },
        }),
      );
    }
    expect((await api.get(`/v1/leads/${leads[3]}/history`)).body.items).toHaveLength(2);

    // Moved leads were appended to the column in the order given.
    const column = (await api.get(`/v1/pipelines/${pipeline.id}/board/stages/${stage('Qualified').id}`)).body;
    expect(column.cards.map((card: { id: string }) => card.id)).toEqual([leads[3], leads[0], leads[1], leads[2]]);

    const byPipeline = await api.post('/v1/leads/bulk', { leadIds: [leads[0]], pipelineId: pipeline.id });
    expect(byPipeline.body).toEqual({ bulkMoveId: null, results: [{ leadId: leads[0], status: 'unchanged' }] });
  });

  it('refuses malformed bulk requests whole: too many ids, repeated ids, no target, wrong types', async () => {
    const { api, stage, leads } = await workspaceWithLeads(1);
    const target = stage('Contacted').id;
    const cases = [
      [{ leadIds: Array.from({ length: 1001 }, () => randomUUID()), stageId: target }, 'leadIds'],
      [{ leadIds: [], stageId: target }, 'leadIds'],
      [{ leadIds: [leads[0], leads[0]], stageId: target }, 'leadIds'],
      [{ leadIds: leads }, 'stageId'],
      [{ leadIds: 'all', stageId: target }, 'leadIds'],
      [{ leadIds: [42], stageId: target }, 'leadIds.0'],
    ] as const;
    for (const [body, field] of cases) {
      const reply = await api.post('/v1/leads/bulk', body);
      expect(reply.status).toBe(400);
      expect(reply.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
    }
    expect((await api.get(`/v1/leads/${leads[0]}`)).body.stageId).toBe(stage('New').id);
  });

  it('serves the board: counts and first cards per column in Kanban order, drag to a place, next pages per column', async () => {
    const { api, pipeline, leads, stage } = await workspaceWithLeads(5);
    const newStage = stage('New').id;
    const columnIds = async () => (await api.get(`/v1/pipelines/${pipeline.id}/board/stages/${newStage}?limit=100`)).body.cards.map((card: { id: string }) => card.id);
    const order: string[] = await columnIds();
    expect(order.sort()).toEqual([...leads].sort());
    const initial: string[] = await columnIds();

    // Drag the last card to the top, then the new top card right before the last.
    await move(api, initial[4], { beforeLeadId: initial[0], channel: 'kanban' });
    expect(await columnIds()).toEqual([initial[4], initial[0], initial[1], initial[2], initial[3]]);
    await move(api, initial[4], { beforeLeadId: initial[3] });
    expect(await columnIds()).toEqual([initial[0], initial[1], initial[2], initial[4], initial[3]]);
    // A new place in the same column is not a stage move.
    expect((await api.get(`/v1/leads/${initial[4]}/history`)).body.items).toHaveLength(1);
    // Dropped into another column at a given place.
    await move(api, initial[0], { stageId: stage('Contacted').id });
    await move(api, initial[1], { stageId: stage('Contacted').id, beforeLeadId: initial[0] });

    const board = (await api.get(`/v1/pipelines/${pipeline.id}/board?limit=2`)).body;
    expect(board.pipeline.id).toBe(pipeline.id);
    expect(board.columns.map((column: { stage: { name: string }; count: number }) => [column.stage.name, column.count])).toEqual([
      ['New', 3],
      ['Contacted', 2],
      ['Qualified', 0],
      ['Converted', 0],
      ['Closed', 0],
    ]);
    const [newColumn, contacted] = board.columns;
    expect(newColumn.cards.map((card: { id: string }) => card.id)).toEqual([initial[2], initial[4]]);
    expect(contacted.cards.map((card: { id: string }) => card.id)).toEqual([initial[1], initial[0]]);
    expect(contacted.nextCursor).toBeNull();
    const next = (await api.get(`/v1/pipelines/${pipeline.id}/board/stages/${newStage}?limit=2&cursor=${newColumn.nextCursor}`)).body;
    expect(next).toMatchObject({ stage: { id: newStage }, count: 3, nextCursor: null });
    expect(next.cards.map((card: { id: string }) => card.id)).toEqual([initial[3]]);

    const filtered = (await api.get(`/v1/pipelines/${pipeline.id}/board?q=${encodeURIComponent(contacted.cards[0].email.toUpperCase())}`)).body;
    expect(filtered.columns.map((column: { count: number }) => column.count)).toEqual([0, 1, 0, 0, 0]);
    expect(filtered.columns[1].cards.map((card: { id: string }) => card.id)).toEqual([initial[1]]);
    const badCursor = await api.get(`/v1/pipelines/${pipeline.id}/board/stages/${newStage}?cursor=${Buffer.from('{"id":1}').toString('base64url')}`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors).toEqual([{ field: 'cursor', reason: 'is not a cursor returned by this endpoint' }]);
    expect((await api.get(`/v1/pipelines/${pipeline.id}/board/stages/${randomUUID()}`)).status).toBe(404);
  });

  it('lists leads with filters, search and cursor pagination', async () => {
    const { workspaceId, api, pipeline, leads, stage } = await workspaceWithLeads(3);
    const form = leadCreated(workspaceId, {
      profile: { email: 'percent%under_score@acme.io', firstName: 'Ada', lastName: 'Byron', companyName: 'ACME 100%' },
      source: { channel: LeadChannel.FORM },
    });
    await events.publish(Topics.leadCreated, form.leadId, form);
    await expectEventually(async () => expect((await api.get(`/v1/leads/${form.leadId}`)).body.stageId).toBe(stage('New').id));
    await move(api, leads[0], { stageId: stage('Contacted').id });

    const ids = async (query: string) => (await api.get(`/v1/leads?${query}`)).body.items.map((lead: { id: string }) => lead.id).sort();
    expect(await ids('')).toEqual([...leads, form.leadId].sort());
    expect(await ids('source=form')).toEqual([form.leadId]);
    expect(await ids(`stageId=${stage('Contacted').id}`)).toEqual([leads[0]]);
    expect(await ids(`pipelineId=${pipeline.id}&processingStatus=received`)).toHaveLength(4);
    expect(await ids('qualification=hot')).toEqual([]);
    expect(await ids('q=ADA%20BYR')).toEqual([form.leadId]);
    expect(await ids('q=100%25')).toEqual([form.leadId]);
    expect(await ids('q=%25')).toEqual([form.leadId]);
    expect(await ids('q=_')).toEqual([form.leadId]);
    expect(await ids('q=acme.io')).toEqual([form.leadId]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null } } = await api.get(
        `/v1/leads?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items).toHaveLength(1);
      seen.push(page.body.items[0].id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...leads, form.leadId].sort());

    for (const [query, field] of [
      ['limit=101', 'limit'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['qualification=lukewarm', 'qualification'],
      ['processingStatus=done', 'processingStatus'],
      ['source=fax', 'source'],
      ['pipelineId=42', 'pipelineId'],
      ['cursor=%7B%7D', 'cursor'],
    ]) {
      const reply = await api.get(`/v1/leads?${query}`);
      expect({ query, status: reply.status, fields: reply.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ query, status: 400, fields: [field] });
    }
  });

  it('computes the funnel of a seeded history exactly as computed by hand', async () => {
    // 10 leads: 4 stay in New, 3 reach Contacted, 2 reach Qualified then Converted (win), 1 is lost from Contacted.
    const { workspaceId, api, pipeline, leads, stage } = await workspaceWithLeads(10);
    const [staying, contacted, winners, loser] = [leads.slice(0, 4), leads.slice(4, 7), leads.slice(7, 9), leads[9]];
    const bulk = async (leadIds: string[], stageName: string) =>
      expect((await api.post('/v1/leads/bulk', { leadIds, stageId: stage(stageName).id })).status).toBe(200);
    await bulk([...contacted, ...winners, loser], 'Contacted');
    await bulk(winners, 'Qualified');
    for (const leadId of winners) await move(api, leadId, { stageId: stage('Converted').id });
    await move(api, loser, { stageId: stage('Closed').id, channel: 'detail_dropdown' });
    // A lead of another source, and one of another pipeline, are not in the cohort.
    const form = leadCreated(workspaceId, { source: { channel: LeadChannel.FORM } });
    await events.publish(Topics.leadCreated, form.leadId, form);
    await expectEventually(async () => expect((await api.get(`/v1/leads/${form.leadId}`)).body.stageId).toBe(stage('New').id));

    // Median time in each stage, by hand from the recorded history: completed stays only.
    const stays = new Map<string, number[]>();
    for (const leadId of leads) {
      const history: Array<{ toStageId: string; movedAt: string }> = (await api.get(`/v1/leads/${leadId}/history`)).body.items;
      history.slice(0, -1).forEach((entry, index) => {
        const seconds = (Date.parse(history[index + 1].movedAt) - Date.parse(entry.movedAt)) / 1000;
        stays.set(entry.toStageId, [...(stays.get(entry.toStageId) ?? []), seconds]);
      });
    }
    const median = (values: number[] | undefined) => {
      if (!values?.length) return null;
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    };
    expect(stays.get(stage('New').id)).toHaveLength(6);

    const funnel = await api.get(`/v1/pipelines/${pipeline.id}/funnel?source=api&from=2020-01-01&to=${new Date(Date.now() + 86_400_000).toISOString()}`);
    expect(funnel.status).toBe(200);
    const expected = [
      ['New', 10, null],
      ['Contacted', 6, 6 / 10],
      ['Qualified', 2, 2 / 6],
      ['Converted', 2, 2 / 2],
      ['Closed', 1, null],
    ] as const;
    expect(funnel.body.stages).toHaveLength(expected.length);
    funnel.body.stages.forEach(
      (step: { stage: { name: string; id: string }; reached: number; conversionRate: number | null; medianSecondsInStage: number | null }, index: number) => {
        const [name, reached, conversionRate] = expected[index];
        expect([step.stage.name, step.reached]).toEqual([name, reached]);
        if (conversionRate === null) expect(step.conversionRate).toBeNull();
        else expect(step.conversionRate).toBeCloseTo(conversionRate, 10);
        const expectedMedian = median(stays.get(step.stage.id));
        if (expectedMedian === null) expect(step.medianSecondsInStage).toBeNull();
        else expect(step.medianSecondsInStage).toBeCloseTo(expectedMedian, 6);
      },
    );
    expect(funnel.body.totals).toEqual({ leads: 10, won: 2, winRate: 0.2, lost: 1, lostRate: 0.1 });
    expect(staying).toHaveLength(4);

    const everySource = (await api.get(`/v1/pipelines/${pipeline.id}/funnel`)).body;
    expect(everySource.totals).toEqual({ leads: 11, won: 2, winRate: 2 / 11, lost: 1, lostRate: 1 / 11 });
    expect(everySource.stages[0].reached).toBe(11);
    const past = (await api.get(`/v1/pipelines/${pipeline.id}/funnel?from=2020-01-01&to=2020-12-31`)).body;
    expect(past.totals).toEqual({ leads: 0, won: 0, winRate: null, lost: 0, lostRate: null });
    for (const query of ['from=yesterday', 'to=2026-13-01', 'from=2026-02-01&to=2026-01-01', 'source=pigeon']) {
      expect((await api.get(`/v1/pipelines/${pipeline.id}/funnel?${query}`)).status).toBe(400);
    }
  });

  it("keeps workspaces apart: another workspace's leads are 404 to read and move, not_found in bulk, and unchanged", async () => {
    const owner = await workspaceWithLeads(1);
    const intruder = await workspaceWithLeads(1);
    const [leadId] = owner.leads;
    const before = (await owner.api.get(`/v1/leads/${leadId}`)).body;

    for (const reply of [
      await intruder.api.get(`/v1/leads/${leadId}`),
      await intruder.api.get(`/v1/leads/${leadId}/history`),
      await intruder.api.patch(`/v1/leads/${leadId}`, { stageId: intruder.stage('Contacted').id }),
    ]) {
      expect(reply.status).toBe(404);
    }
    const bulk = await intruder.api.post('/v1/leads/bulk', { leadIds: [leadId], stageId: intruder.stage('Contacted').id });
    expect(bulk.body.results).toEqual([{ leadId, status: 'not_found' }]);
    const list = (await intruder.api.get('/v1/leads')).body.items.map((lead: { id: string }) => lead.id);
    expect(list).toEqual(intruder.leads);
    // The owner's own stage cannot be reached from the intruder's lead either.
    const intoForeign = await intruder.api.patch(`/v1/leads/${intruder.leads[0]}`, { stageId: owner.stage('Contacted').id });
    expect(intoForeign.status).toBe(400);

    expect((await owner.api.get(`/v1/leads/${leadId}`)).body).toEqual(before);
    expect((await owner.api.get(`/v1/leads/${leadId}/history`)).body.items).toHaveLength(1);
  });

  it('answers bad input with 4xx problem details and stays healthy', async () => {
    const { api, leads } = await workspaceWithLeads(1);
    const leadId = leads[0];
    const nested = `${'{"stageId":'.repeat(20_000)}"x"${'}'.repeat(20_000)}`;
    const cases: Array<[string, Promise<{ status: number; contentType: string }>]> = [
      ['not JSON', api.patch(`/v1/leads/${leadId}`, '{"stageId":')],
      ['a JSON array', api.patch(`/v1/leads/${leadId}`, [])],
      ['null', api.patch(`/v1/leads/${leadId}`, 'null')],
      ['deeply nested JSON', api.patch(`/v1/leads/${leadId}`, nested)],
      ['an oversized body', api.post('/v1/leads/bulk', { leadIds: Array.from({ length: 40_000 }, () => randomUUID()), stageId: randomUUID() })],
      ['SQL in an id', api.get(`/v1/leads/${encodeURIComponent("1' OR '1'='1")}`)],
      ['HTML in a name', api.post('/v1/pipelines', { name: '<b>x</b>', stages: 'all of them' })],
      ['a number as a name', api.post('/v1/pipelines', { name: 42, stages: [] })],
      ['an unknown route', api.get('/v1/nothing-here')],
    ];
    for (const [label, pending] of cases) {
      const reply = await pending;
      expect({ label, status: reply.status >= 400 && reply.status < 500 ? '4xx' : reply.status, problem: reply.contentType.includes('application/problem+json') }).toEqual({
        label,
        status: '4xx',
        problem: true,
      });
    }
    // SQL in a search is only text to look for.
    const search = await api.get(`/v1/leads?q=${encodeURIComponent("'; DROP TABLE leads; --")}`);
    expect([search.status, search.body.items]).toEqual([200, []]);
    expect(await queryDatabase(service.database.url, `SELECT 1 FROM leads WHERE id = $1`, [leadId])).toHaveLength(1);
    expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
    expect((await api.get(`/v1/leads/${leadId}`)).status).toBe(200);
  });
});
