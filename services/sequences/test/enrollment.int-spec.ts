import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EmailClass, Qualification, StageKind, Topics, encodeEvent } from '@leads/contracts';
import { expectEventually, readMetric, startSmtpServer, type SmtpServer } from '@leads/testing';
import {
  EventPublisher,
  PUBLIC_URL,
  apiClient,
  createSequence,
  enrollmentsOf,
  handled,
  leadScored,
  publishScored,
  quickScheduler,
  sendsOf,
  stageChanged,
  startSequences,
  type ApiClient,
  type RunningSequences,
} from './sequences.harness';

const seconds = (n: number) => new Date(Date.now() + n * 1000);

/**
 * The sequences service as its own process with Kafka, PostgreSQL and a real SMTP server: the
 * test publishes lead.scored and lead.stage-changed as the scoring and pipeline services would.
 */
describe('sequences service: enrolment from events, and the steps it sends', () => {
  let smtp: SmtpServer;
  let service: RunningSequences;
  let events: EventPublisher;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    events = new EventPublisher();
    [service] = await Promise.all([startSequences('sequences_enrolment', { SMTP_URL: smtp.url, ...quickScheduler }), events.connect()]);
  });

  afterAll(async () => {
    await events?.disconnect();
    await service?.stop();
    await smtp?.stop();
  });

  const enrolled = async (api: ApiClient, sequenceId: string) => (await enrollmentsOf(api, sequenceId)).map((enrollment) => enrollment.leadId);

  it('enrols a hot lead in every matching active sequence once, however often it is scored, and sends each step once', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const twoSteps = await createSequence(api, {
      criteria: { qualifications: ['hot'] },
      steps: [
        { delaySeconds: 0, subject: 'Hi {{firstName}} ({{plan}})', body: 'Hello {{firstName}} {{lastName}} of {{companyName}}, on {{customFields.plan}}.' },
        { delaySeconds: 1, subject: 'Step 2 for {{firstName}}', body: 'Still there, {{firstName}}?' },
      ],
    });
    const highScores = await createSequence(api, { criteria: { qualifications: ['hot', 'warm'], minScore: 80, sources: ['api', 'form'] } });
    const paused = await createSequence(api, { status: 'paused', criteria: { qualifications: ['hot'] } });
    const nonMatching = [
      await createSequence(api, { criteria: { qualifications: ['warm'] } }),
      await createSequence(api, { criteria: { qualifications: ['hot'], minScore: 95 } }),
      await createSequence(api, { criteria: { qualifications: ['hot'], sources: ['webhook'] } }),
    ];

    const scored = leadScored(workspaceId, { firstName: 'Ada', score: 90, customFields: { plan: 'enterprise' } });
    const eventId = await publishScored(events, scored);
    await publishScored(events, scored, eventId); // the same event delivered again
    // Analysed again: a new lead.scored carrying the whole lead, as the scoring service publishes it.
    const rescoredId = await publishScored(events, { ...scored, score: 92, analysisId: randomUUID(), occurredAt: timestampFromDate(seconds(1)) });

    await expectEventually(async () => {
      expect(await enrolled(api, twoSteps.id)).toEqual([scored.leadId]);
      expect(await enrolled(api, highScores.id)).toEqual([scored.leadId]);
    });
    const address = scored.profile.email;
    const step1 = await expectEventually(() => {
      const [mail] = smtp.messagesTo(address).filter((item) => item.subject === 'Hi Ada (enterprise)');
      expect(mail).toBeDefined();
      return mail;
    });
    expect(step1.text).toContain('Hello Ada Lovelace of Initech, on enterprise.');
    expect(step1.html).toContain('<p>Hello Ada Lovelace of Initech, on enterprise.</p>');
    expect(step1.from).toBe('500 Leads <no-reply@500leads.local>');
    expect(step1.headers['list-unsubscribe']).toMatch(new RegExp(`^<${PUBLIC_URL}/v1/unsubscribe/${workspaceId}\\.[A-Za-z0-9_-]{43}>$`));
    expect(step1.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(step1.text).toContain(step1.headers['list-unsubscribe'].slice(1, -1));

    const step2 = await expectEventually(() => {
      const [mail] = smtp.messagesTo(address).filter((item) => item.subject === 'Step 2 for Ada');
      expect(mail).toBeDefined();
      return mail;
    });
    expect(step2.receivedAt.getTime() - step1.receivedAt.getTime()).toBeGreaterThanOrEqual(1000);
    const [enrollment] = await expectEventually(async () => {
      const items = await enrollmentsOf(api, twoSteps.id);
      expect(items).toEqual([expect.objectContaining({ status: 'completed', currentStep: 2, nextRunAt: null, stopReason: null, email: address })]);
      return items;
    });
    expect(enrollment.finishedAt).toEqual(expect.any(String));
    await handled(service, rescoredId);

    // Completed or not, nothing is sent again: two steps of one sequence and one of the other, once each.
    expect(smtp.messagesTo(address).map((mail) => mail.subject).sort()).toEqual(['Hello Ada', 'Hi Ada (enterprise)', 'Step 2 for Ada']);
    expect((await sendsOf(api, twoSteps.id)).map((send) => [send.step, send.status, send.attemptCount, send.to])).toEqual([
      [1, 'sent', 1, address],
      [2, 'sent', 1, address],
    ]);
    expect((await sendsOf(api, twoSteps.id))[0]).toMatchObject({ subject: 'Hi Ada (enterprise)', messageId: expect.any(String), smtpResponse: expect.stringContaining('250') });
    expect(await enrolled(api, paused.id)).toEqual([]);
    for (const sequence of nonMatching) expect(await enrolled(api, sequence.id)).toEqual([]);
    expect(await readMetric(`${service.baseUrl}/metrics`, 'sequences_emails_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(3);
  });

  it('decides a sequence that filters on pipelines when the lead\'s pipeline is known, whichever event comes first', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const [pipeline, otherPipeline] = [randomUUID(), randomUUID()];
    const onPipeline = await createSequence(api, { criteria: { qualifications: ['hot'], pipelineIds: [pipeline] } });
    const anywhere = await createSequence(api, { criteria: { qualifications: ['hot'] } });

    // Scored first: the pipeline-bound sequence waits for the placement; the other one does not.
    const scoredFirst = leadScored(workspaceId);
    await handled(service, await publishScored(events, scoredFirst));
    expect(await enrolled(api, onPipeline.id)).toEqual([]);
    expect(await enrolled(api, anywhere.id)).toEqual([scoredFirst.leadId]);
    await events.publish(Topics.leadStageChanged, scoredFirst.leadId, stageChanged(workspaceId, scoredFirst.leadId, pipeline, StageKind.OPEN));
    await expectEventually(async () => expect(await enrolled(api, onPipeline.id)).toEqual([scoredFirst.leadId]));

    // Placed first.
    const placedFirst = leadScored(workspaceId);
    await handled(service, await events.publish(Topics.leadStageChanged, placedFirst.leadId, stageChanged(workspaceId, placedFirst.leadId, pipeline, StageKind.OPEN)));
    await publishScored(events, placedFirst);
    await expectEventually(async () => expect(await enrolled(api, onPipeline.id)).toContain(placedFirst.leadId));

    // On another pipeline, in either order: never enrolled there, and a later move does not enrol it either.
    const elsewhere = leadScored(workspaceId);
    await handled(service, await publishScored(events, elsewhere));
    await handled(service, await events.publish(Topics.leadStageChanged, elsewhere.leadId, stageChanged(workspaceId, elsewhere.leadId, otherPipeline, StageKind.OPEN)));
    await handled(service, await events.publish(Topics.leadStageChanged, elsewhere.leadId, stageChanged(workspaceId, elsewhere.leadId, pipeline, StageKind.OPEN, seconds(1))));
    expect(await enrolled(api, onPipeline.id)).not.toContain(elsewhere.leadId);
    expect(await enrolled(api, anywhere.id)).toContain(elsewhere.leadId);
  });

  it('stops an enrolment when the lead reaches a Win or Lost stage, and does not enrol a lead already won', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const pipeline = randomUUID();
    const sequence = await createSequence(api, {
      steps: [
        { delaySeconds: 0, subject: 'Step 1', body: 'b' },
        { delaySeconds: 3600, subject: 'Step 2', body: 'b' },
      ],
    });
    const [won, lost] = [leadScored(workspaceId), leadScored(workspaceId)];
    await Promise.all([publishScored(events, won), publishScored(events, lost)]);
    await expectEventually(async () => {
      const items = await enrollmentsOf(api, sequence.id);
      expect(items.filter((item) => item.currentStep === 1 && item.status === 'active')).toHaveLength(2);
    });

    await events.publish(Topics.leadStageChanged, won.leadId, stageChanged(workspaceId, won.leadId, pipeline, StageKind.WIN));
    await events.publish(Topics.leadStageChanged, lost.leadId, stageChanged(workspaceId, lost.leadId, pipeline, StageKind.LOST));
    await expectEventually(async () => {
      const byLead = Object.fromEntries((await enrollmentsOf(api, sequence.id)).map((item) => [item.leadId, item]));
      expect(byLead[won.leadId]).toMatchObject({ status: 'stopped', stopReason: 'won', nextRunAt: null, currentStep: 1 });
      expect(byLead[lost.leadId]).toMatchObject({ status: 'stopped', stopReason: 'lost', nextRunAt: null, currentStep: 1 });
    });

    const alreadyWon = leadScored(workspaceId);
    await handled(service, await events.publish(Topics.leadStageChanged, alreadyWon.leadId, stageChanged(workspaceId, alreadyWon.leadId, pipeline, StageKind.WIN)));
    await handled(service, await publishScored(events, alreadyWon));
    expect(await enrolled(api, sequence.id)).not.toContain(alreadyWon.leadId);
    // An older placement arriving late does not bring the lead back.
    await handled(service, await events.publish(Topics.leadStageChanged, won.leadId, stageChanged(workspaceId, won.leadId, pipeline, StageKind.OPEN, seconds(-60))));
    expect((await enrollmentsOf(api, sequence.id)).find((item) => item.leadId === won.leadId)).toMatchObject({ status: 'stopped' });
  });

  it('does not enrol invalid or disposable addresses, and stops an enrolment when a later event says so', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api, {
      steps: [
        { delaySeconds: 0, subject: 'Step 1', body: 'b' },
        { delaySeconds: 3600, subject: 'Step 2', body: 'b' },
      ],
    });
    const disposable = leadScored(workspaceId, { emailClass: EmailClass.DISPOSABLE });
    const invalid = leadScored(workspaceId, { emailClass: EmailClass.INVALID });
    const cold = leadScored(workspaceId, { qualification: Qualification.COLD, score: 10 });
    for (const event of [disposable, invalid, cold]) await handled(service, await publishScored(events, event));
    expect(await enrolled(api, sequence.id)).toEqual([]);

    const personal = leadScored(workspaceId, { emailClass: EmailClass.PERSONAL, qualification: Qualification.WARM, score: 50 });
    await publishScored(events, personal);
    await expectEventually(async () => expect(await enrollmentsOf(api, sequence.id)).toEqual([expect.objectContaining({ leadId: personal.leadId, currentStep: 1 })]));
    const bounced = leadScored(workspaceId, { leadId: personal.leadId, emailClass: EmailClass.INVALID, qualification: Qualification.WARM, score: 50, occurredAt: seconds(1) });
    await publishScored(events, bounced);
    await expectEventually(async () =>
      expect(await enrollmentsOf(api, sequence.id)).toEqual([expect.objectContaining({ status: 'stopped', stopReason: 'email_invalid', nextRunAt: null })]),
    );
  });

  it('pauses a sequence\'s enrolments where they are and resumes them; archiving stops them', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const twoSteps = (name: string, delay: number) => ({
      steps: [
        { delaySeconds: 0, subject: `${name} 1`, body: 'b' },
        { delaySeconds: delay, subject: `${name} 2`, body: 'b' },
      ],
    });
    const paused = await createSequence(api, twoSteps('Paused', 2));
    // A clock: its second step falls due after the paused sequence's, and the scheduler takes due steps in order.
    await createSequence(api, twoSteps('Witness', 3));
    const archived = await createSequence(api, twoSteps('Archived', 3600));
    const lead = leadScored(workspaceId);
    await publishScored(events, lead);
    const address = lead.profile.email;
    const subjects = () => smtp.messagesTo(address).map((mail) => mail.subject);
    await expectEventually(() => expect(subjects()).toEqual(expect.arrayContaining(['Paused 1', 'Witness 1', 'Archived 1'])));

    expect((await api.patch(`/v1/sequences/${paused.id}`, { status: 'paused' })).body.status).toBe('paused');
    const [pausedEnrollment] = await enrollmentsOf(api, paused.id);
    expect(pausedEnrollment).toMatchObject({ status: 'paused', currentStep: 1, nextRunAt: expect.any(String) });
    await expectEventually(() => expect(subjects()).toContain('Witness 2'), { description: 'the witness step after the paused one fell due' });
    expect(subjects()).not.toContain('Paused 2');

    expect((await api.patch(`/v1/sequences/${paused.id}`, { status: 'active' })).body.status).toBe('active');
    await expectEventually(async () => expect(await enrollmentsOf(api, paused.id)).toEqual([expect.objectContaining({ status: 'completed', currentStep: 2 })]));
    expect(subjects().filter((subject) => subject === 'Paused 2')).toHaveLength(1);

    await api.patch(`/v1/sequences/${archived.id}`, { status: 'archived' });
    expect(await enrollmentsOf(api, archived.id)).toEqual([expect.objectContaining({ status: 'stopped', stopReason: 'sequence_archived', currentStep: 1, nextRunAt: null })]);
    // An archived sequence enrols no one.
    const later = leadScored(workspaceId);
    await handled(service, await publishScored(events, later));
    expect(await enrolled(api, archived.id)).toEqual([lead.leadId]);
  });

  it('sends an undecodable or invalid event to sequences.dlq and keeps consuming', async () => {
    const workspaceId = randomUUID();
    const api = apiClient(service, workspaceId);
    const sequence = await createSequence(api);
    const deadLetters = (topic: string) => readMetric(`${service.baseUrl}/metrics`, 'messaging_dead_letters_total', { consumer: 'sequences', topic });
    const before = { scored: await deadLetters('lead.scored'), placed: await deadLetters('lead.stage-changed') };

    const valid = leadScored(workspaceId);
    const encoded = encodeEvent(Topics.leadScored, valid, { key: valid.leadId, source: '/tests/sequences' });
    await events.send('lead.scored', { key: valid.leadId, value: Buffer.from('not protobuf at all'), headers: { ...encoded.headers, ce_id: randomUUID() } });
    await publishScored(events, { ...leadScored('not-a-workspace'), leadId: valid.leadId });
    await events.publish(Topics.leadStageChanged, valid.leadId, stageChanged(workspaceId, valid.leadId, 'not-a-pipeline', StageKind.OPEN));
    await events.send('lead.scored', { key: encoded.key, value: encoded.value, headers: encoded.headers });

    await expectEventually(async () => expect(await enrolled(api, sequence.id)).toEqual([valid.leadId]), { description: 'the valid event after the poison ones' });
    await expectEventually(async () => {
      expect(await deadLetters('lead.scored')).toBe(before.scored + 2);
      expect(await deadLetters('lead.stage-changed')).toBe(before.placed + 1);
    });
  });
});
