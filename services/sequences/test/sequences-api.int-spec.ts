import { randomUUID } from 'node:crypto';
import { startSmtpServer, type SmtpServer } from '@leads/testing';
import { apiClient, createSequence, sequenceBody, startSequences, type RunningSequences } from './sequences.harness';

describe('sequences service: the internal API', () => {
  let smtp: SmtpServer;
  let service: RunningSequences;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    service = await startSequences('sequences_api', { SMTP_URL: smtp.url, MAIL_FROM: 'Leads Team <team@500leads.test>' });
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.stop();
  });

  it('creates, reads, lists, updates and deletes a sequence', async () => {
    const api = apiClient(service, randomUUID());
    const pipelineId = randomUUID();
    const body = sequenceBody({
      name: 'Hot leads',
      criteria: { qualifications: ['hot'], pipelineIds: [pipelineId.toUpperCase()], sources: ['form', 'api'], minScore: 70 },
      steps: [
        { delaySeconds: 0, subject: 'Hi {{firstName}}', body: 'Hello {{firstName}}' },
        { delaySeconds: 86_400, subject: 'Following up', body: 'About {{customFields.plan}}' },
      ],
    });
    const created = await api.post('/v1/sequences', body);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Hot leads',
      status: 'active',
      criteria: { qualifications: ['hot'], pipelineIds: [pipelineId], sources: ['form', 'api'], minScore: 70 },
      steps: body.steps,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const { id } = created.body;
    expect((await api.get(`/v1/sequences/${id}`)).body).toEqual(created.body);

    const renamed = await api.patch(`/v1/sequences/${id}`, { name: 'Hot leads, renamed', criteria: { qualifications: ['hot', 'warm'] }, version: 1 });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Hot leads, renamed', version: 2, criteria: { qualifications: ['hot', 'warm'], pipelineIds: [], sources: [], minScore: null } });
    expect(renamed.body.steps).toEqual(body.steps);

    const stale = await api.patch(`/v1/sequences/${id}`, { name: 'late', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: expect.stringContaining('stale-version'), currentVersion: 2 });

    expect((await api.delete(`/v1/sequences/${id}`)).status).toBe(204);
    expect((await api.get(`/v1/sequences/${id}`)).status).toBe(404);
    expect((await api.delete(`/v1/sequences/${id}`)).status).toBe(404);
  });

  it('lists newest first, a page at a time, and by status', async () => {
    const api = apiClient(service, randomUUID());
    const first = await createSequence(api, { name: 'first' });
    const second = await createSequence(api, { name: 'second', status: 'paused' });
    const third = await createSequence(api, { name: 'third' });

    const page1 = await api.get('/v1/sequences?limit=2');
    expect(page1.body.items.map((item: any) => item.id)).toEqual([third.id, second.id]);
    const page2 = await api.get(`/v1/sequences?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: first.id })], nextCursor: null });
    expect((await api.get('/v1/sequences?status=paused')).body.items.map((item: any) => item.id)).toEqual([second.id]);
    expect((await api.get('/v1/sequences?cursor=forged')).body.errors).toEqual([{ field: 'cursor', reason: 'is not a cursor returned by this endpoint' }]);
    expect((await api.get('/v1/sequences?limit=500')).status).toBe(400);
  });

  it('refuses bad input with problem details naming the field, and stores nothing', async () => {
    const api = apiClient(service, randomUUID());
    const cases: Array<[unknown, string]> = [
      [sequenceBody({ steps: [{ delaySeconds: 0, subject: 's', body: 'ok' }, { delaySeconds: 60, subject: 's', body: 'Hi {{#if firstName}}' }] }), 'steps.1.body'],
      [sequenceBody({ steps: [{ delaySeconds: -5, subject: 's', body: 'b' }] }), 'steps.0.delaySeconds'],
      [sequenceBody({ criteria: { qualifications: ['cold'] } }), 'criteria.qualifications.0'],
      [sequenceBody({ criteria: { qualifications: ['hot'], minScore: 150 } }), 'criteria.minScore'],
      [sequenceBody({ status: 'archived' }), 'status'],
      [sequenceBody({ name: '' }), 'name'],
      [sequenceBody({ steps: [] }), 'steps'],
    ];
    for (const [body, field] of cases) {
      const reply = await api.post('/v1/sequences', body);
      expect(reply.status).toBe(400);
      expect(reply.contentType).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ type: expect.stringContaining('invalid-request'), status: 400 });
      expect(reply.body.errors).toEqual([{ field, reason: expect.any(String) }]);
    }
    const template = await api.post('/v1/sequences', cases[0][0]);
    expect(template.body.errors[0].reason).toContain('is not a variable');
    expect((await api.get('/v1/sequences')).body.items).toEqual([]);

    const { id } = await createSequence(api);
    const badUpdate = await api.patch(`/v1/sequences/${id}`, { name: 'renamed', steps: [{ delaySeconds: 0, subject: 'Hi {{firstName', body: 'b' }] });
    expect(badUpdate.status).toBe(400);
    expect(badUpdate.body.errors).toEqual([{ field: 'steps.0.subject', reason: expect.stringContaining('not closed') }]);
    expect((await api.get(`/v1/sequences/${id}`)).body).toMatchObject({ version: 1, name: expect.not.stringMatching('renamed') });
  });

  it('answers 404 for another workspace\'s sequence, and never lists it', async () => {
    const owner = apiClient(service, randomUUID());
    const stranger = apiClient(service, randomUUID());
    const { id } = await createSequence(owner);
    for (const reply of [
      await stranger.get(`/v1/sequences/${id}`),
      await stranger.patch(`/v1/sequences/${id}`, { status: 'paused' }),
      await stranger.get(`/v1/sequences/${id}/enrollments`),
      await stranger.get(`/v1/sequences/${id}/sends`),
      await stranger.delete(`/v1/sequences/${id}`),
      await owner.get('/v1/sequences/not-a-uuid'),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.contentType).toContain('application/problem+json');
    }
    expect((await stranger.get('/v1/sequences')).body.items).toEqual([]);
    expect((await owner.get(`/v1/sequences/${id}`)).body).toMatchObject({ id, status: 'active', version: 1 });
  });

  it('archives for good', async () => {
    const api = apiClient(service, randomUUID());
    const { id } = await createSequence(api);
    expect((await api.patch(`/v1/sequences/${id}`, { status: 'archived' })).body).toMatchObject({ status: 'archived', version: 2 });
    const again = await api.patch(`/v1/sequences/${id}`, { status: 'active' });
    expect(again.status).toBe(409);
    expect(again.body.type).toContain('sequence-archived');
  });

  it('keeps a sender identity per workspace, MAIL_FROM until one is set', async () => {
    const api = apiClient(service, randomUUID());
    const other = apiClient(service, randomUUID());
    expect((await api.get('/v1/sequence-sender')).body).toEqual({ fromName: 'Leads Team', fromEmail: 'team@500leads.test', replyTo: null, isDefault: true });

    const saved = await api.put('/v1/sequence-sender', { fromName: 'Grace at Initech', fromEmail: 'grace@initech.example', replyTo: 'sales@initech.example' });
    expect(saved.body).toEqual({ fromName: 'Grace at Initech', fromEmail: 'grace@initech.example', replyTo: 'sales@initech.example', isDefault: false });
    expect((await api.get('/v1/sequence-sender')).body).toEqual(saved.body);
    expect((await other.get('/v1/sequence-sender')).body.isDefault).toBe(true);

    const bad = await api.put('/v1/sequence-sender', { fromName: 'Evil\r\nBcc: x@example.com', fromEmail: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['fromEmail', 'fromName']);
    expect((await api.get('/v1/sequence-sender')).body).toEqual(saved.body);
  });

  it('answers only the gateway', async () => {
    const response = await fetch(`${service.baseUrl}/v1/sequences`, { headers: { 'x-workspace-id': randomUUID() } });
    expect(response.status).toBe(401);
  });

  it("tells a lead's sequence activity oldest first, keeping the newest 200 of a kind when there are more", async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api, { name: 'Long drip' });
    const [leadId, enrollmentId] = [randomUUID(), randomUUID()];
    // 205 emails, one a minute: more than the activity keeps.
    await service.query(
      `WITH enrollment AS (
         INSERT INTO enrollments (workspace_id, id, sequence_id, lead_id, status, current_step, next_run_at, enrolled_at)
         VALUES ($1, $2, $3, $4, 'active', 205, now(), now() - interval '1 day')
       )
       INSERT INTO sends (workspace_id, id, enrollment_id, sequence_id, lead_id, step, to_email, subject, status, created_at)
       SELECT $1, gen_random_uuid(), $2, $3, $4, step, 'long@example.com', 'Step ' || step, 'sent', now() - interval '1 day' + step * interval '1 minute'
         FROM generate_series(1, 205) AS step`,
      [workspaceId, enrollmentId, sequence.id, leadId],
    );

    const activity = await api.get(`/v1/leads/${leadId}/sequence-activity`);
    expect(activity.status).toBe(200);
    expect(activity.body.truncated).toBe(true);
    expect(activity.body.enrollments).toEqual([expect.objectContaining({ id: enrollmentId, sequenceId: sequence.id, sequenceName: 'Long drip' })]);
    expect(activity.body.sends.map((send: { step: number }) => send.step)).toEqual(Array.from({ length: 200 }, (_, index) => index + 6));
    expect(activity.body.sends[0]).toMatchObject({ sequenceName: 'Long drip', status: 'sent' });
    expect((await apiClient(service, randomUUID()).get(`/v1/leads/${leadId}/sequence-activity`)).body).toEqual({ enrollments: [], sends: [], truncated: false });
  });
});

