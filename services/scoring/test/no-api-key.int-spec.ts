import { randomUUID } from 'node:crypto';
import { ActorKind, FailureStage, Topics } from '@leads/contracts';
import { expectEventually, startDevModel, type DevModel } from '@leads/testing';
import { EventPublisher, OutcomeReader, fastRetries, leadEnriched, newWorkspace, requestsAbout, startScoring, type RunningScoring } from './scoring.harness';

/** Without OPENAI_API_KEY there is no model: every analysis fails visibly, and nothing else stands in. */
describe('scoring service without an API key', () => {
  let model: DevModel;
  let scoring: RunningScoring;
  let events: EventPublisher;
  let outcomes: OutcomeReader;
  const workspaceId = newWorkspace();

  beforeAll(async () => {
    events = new EventPublisher();
    outcomes = new OutcomeReader();
    model = await startDevModel();
    // A server is there to answer: no key still means no call.
    scoring = await startScoring('scoring_no_key', { OPENAI_BASE_URL: model.url, SCORING_MODEL: model.modelName, ...fastRetries });
    // The service has created the topics by now.
    await Promise.all([events.connect(), outcomes.start()]);
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), outcomes?.stop()]);
    await Promise.all([scoring?.stop(), model?.stop()]);
  });

  it('fails every analysis with a reason that says so, and never scores', async () => {
    const lead = leadEnriched(workspaceId, { customFields: { organization: 'Initech' } });
    await events.publish(Topics.leadEnriched, lead.leadId, lead);
    const { data: failed } = await outcomes.waitFailed(lead.leadId);
    expect(failed).toMatchObject({
      leadId: lead.leadId,
      stage: FailureStage.SCORING,
      errorCode: 'llm_not_configured',
      retryable: true,
      attemptCount: 1,
      reason: expect.stringContaining('OPENAI_API_KEY is not set'),
    });
    expect(outcomes.scoredOf(lead.leadId)).toEqual([]);
    expect(await requestsAbout(model, lead.email)).toEqual([]);
    const attempts = await scoring.query(`SELECT outcome FROM analysis_attempts WHERE lead_id = $1`, [lead.leadId]);
    expect(attempts).toEqual([{ outcome: 'not_configured' }]);

    // Asking again fails again, the same visible way.
    await events.publish(Topics.leadAnalysisRequested, lead.leadId, { leadId: lead.leadId, workspaceId, requestedBy: { kind: ActorKind.API_KEY, id: 'key-1' } });
    await expectEventually(() => expect(outcomes.failedOf(lead.leadId).map((event) => event.data.errorCode)).toEqual(['llm_not_configured', 'llm_not_configured']), {
      description: 'the requested analysis failed too',
    });
    expect(outcomes.scoredOf(lead.leadId)).toEqual([]);
  });

  it('answers a requested analysis of a lead it never saw enriched with a visible failure', async () => {
    const leadId = randomUUID();
    await events.publish(Topics.leadAnalysisRequested, leadId, { leadId, workspaceId, requestedBy: { kind: ActorKind.USER, id: randomUUID() } });
    const { data: failed } = await outcomes.waitFailed(leadId);
    expect(failed).toMatchObject({ errorCode: 'lead_not_enriched', stage: FailureStage.SCORING, retryable: true, attemptCount: 1 });
  });
});
