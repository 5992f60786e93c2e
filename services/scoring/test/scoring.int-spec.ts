import { randomUUID } from 'node:crypto';
import { ActorKind, FailureStage, Qualification, Topics } from '@leads/contracts';
import { expectEventually, readMetric, startDevModel, startOtlpReceiver, type DevModel, type OtlpReceiver } from '@leads/testing';
import { injectionCorpus } from './injection-corpus';
import {
  EventPublisher,
  OutcomeReader,
  delimitedLead,
  fastRetries,
  leadEnriched,
  newTraceparent,
  newWorkspace,
  requestsAbout,
  startScoring,
  type RunningScoring,
} from './scoring.harness';

/**
 * The scoring service as its own process, the dev model as another, over a real Kafka broker and
 * PostgreSQL: events in, the model's request log checked, lead.scored / lead.failed read back.
 * The model's mode is global, so the cases run one after the other and each waits for its leads.
 */
describe('scoring service: AI analysis of enriched leads', () => {
  let model: DevModel;
  let otlp: OtlpReceiver;
  let scoring: RunningScoring;
  let events: EventPublisher;
  let outcomes: OutcomeReader;
  const workspaceId = newWorkspace();

  beforeAll(async () => {
    events = new EventPublisher();
    outcomes = new OutcomeReader();
    model = await startDevModel();
    otlp = await startOtlpReceiver();
    scoring = await startScoring('scoring', {
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'dev',
      SCORING_MODEL: model.modelName,
      SCORING_CONCURRENCY: '4',
      SCORING_PRICE_INPUT_PER_MTOK_USD: '3',
      SCORING_PRICE_OUTPUT_PER_MTOK_USD: '15',
      ...fastRetries,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    // The service has created the topics by now.
    await Promise.all([events.connect(), outcomes.start()]);
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), outcomes?.stop()]);
    await Promise.all([scoring?.stop(), model?.stop(), otlp?.close()]);
  });

  afterEach(async () => {
    await model.setMode({ mode: 'normal' });
  });

  const attemptsOf = (leadId: string) =>
    scoring.query(`SELECT * FROM analysis_attempts WHERE lead_id = $1 ORDER BY attempt_number, started_at`, [leadId]);
  const jobsOf = (leadId: string) => scoring.query(`SELECT * FROM analysis_jobs WHERE lead_id = $1 ORDER BY created_at`, [leadId]);

  it.each(['organization', 'employer', 'business_name'])(
    'finds the company of a lead that names it only in a custom field called %s',
    async (field) => {
      const company = `Initech ${field}`;
      const lead = leadEnriched(workspaceId, { customFields: { [field]: company, newsletter: true } });
      const { traceparent, traceId } = newTraceparent();
      await events.publish(Topics.leadEnriched, lead.leadId, lead, { traceparent });

      const { data: scored, headers } = await outcomes.waitScored(lead.leadId);
      expect(scored).toMatchObject({
        leadId: lead.leadId,
        workspaceId,
        companyName: company,
        model: 'dev-model-1',
        promptVersion: expect.stringMatching(/^\d{4}-\d{2}-\d{2}/),
        attemptNumber: 1,
        reason: expect.stringContaining(`field "${field}"`),
      });
      expect(scored.score).toBeGreaterThanOrEqual(0);
      expect(scored.score).toBeLessThanOrEqual(100);
      expect(scored.qualification).not.toBe(Qualification.UNSPECIFIED);
      // The whole lead travels on, as analysed.
      expect(scored.profile?.customFields).toEqual({ [field]: company, newsletter: true });
      expect(scored.enrichment?.email?.domain).toBe('gmail.com');
      // lead.scored continues the trace of the lead.enriched that asked for it.
      expect(headers.traceparent).toContain(traceId);

      // The model saw the field, by its own name, inside the delimited data.
      const [request] = await requestsAbout(model, lead.email);
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.hasAuthorization).toBe(true);
      expect(request.body).toMatchObject({ model: 'dev-model-1', response_format: { type: 'json_schema', json_schema: { strict: true } } });
      expect(request.body.tools).toBeUndefined();
      const { data, system } = delimitedLead(request);
      expect(data.customFields[field]).toBe(company);
      expect(data.profile).toMatchObject({ email: lead.email, firstName: 'Ada', companyName: null });
      expect(data.enrichment).toMatchObject({ emailClass: 'personal', companyFromEmailDomain: null });
      expect(system).toMatch(/organization.*employer.*business_name/s);

      // The attempt is on record: model, prompt version, latency, tokens, outcome, the raw reply.
      const [attempt] = await attemptsOf(lead.leadId);
      expect(attempt).toMatchObject({
        attempt_number: 1,
        api: 'chat-completions',
        model: 'dev-model-1',
        response_model: 'dev-model-1',
        prompt_version: scored.promptVersion,
        outcome: 'success',
        http_status: 200,
        trace_id: traceId,
      });
      expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
      expect(attempt.input_tokens).toBeGreaterThan(0);
      expect(attempt.output_tokens).toBeGreaterThan(0);
      expect(attempt.raw_reply).toContain(company);
      expect(attempt.id).toBe(scored.attemptId);

      // Operators see the tokens and the estimated spend at the configured prices.
      const metric = (name: string, labels?: Record<string, string>) => readMetric(`${scoring.baseUrl}/metrics`, name, labels);
      await expectEventually(
        async () => {
          const inputTokens = await metric('scoring_model_tokens_total', { direction: 'input' });
          const outputTokens = await metric('scoring_model_tokens_total', { direction: 'output' });
          expect(inputTokens).toBeGreaterThanOrEqual(attempt.input_tokens);
          expect(await metric('scoring_model_estimated_cost_usd_total')).toBeCloseTo((inputTokens * 3 + outputTokens * 15) / 1_000_000, 9);
        },
        { description: 'tokens and estimated cost on /metrics' },
      );

      // The model call is a GenAI client span in the lead's trace.
      const span = await expectEventually(
        () => {
          const found = otlp.spans().find((candidate) => candidate.traceId === traceId && candidate.name === 'chat dev-model-1');
          expect(found).toBeDefined();
          return found!;
        },
        { description: 'the model call span exported' },
      );
      expect(span.kind).toBe(3);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'dev-model-1',
        'gen_ai.response.model': 'dev-model-1',
        'gen_ai.usage.input_tokens': attempt.input_tokens,
        'gen_ai.usage.output_tokens': attempt.output_tokens,
        'gen_ai.response.finish_reasons': ['stop'],
        'leads.analysis.id': scored.analysisId,
      });
    },
  );

  it('analyses the same lead.enriched delivered twice once, with one lead.scored', async () => {
    const lead = leadEnriched(workspaceId, { customFields: { employer: 'Umbrella' } });
    const eventId = await events.publish(Topics.leadEnriched, lead.leadId, lead);
    await events.publish(Topics.leadEnriched, lead.leadId, lead, { id: eventId });
    // The same enrichment again under a new event id (a producer that published it twice).
    const againId = await events.publish(Topics.leadEnriched, lead.leadId, lead);
    await outcomes.waitScored(lead.leadId);
    await expectEventually(
      async () => {
        const handled = await scoring.query(`SELECT event_id FROM messaging_inbox WHERE event_id = ANY($1)`, [[eventId, againId]]);
        expect(handled).toHaveLength(2);
      },
      { description: 'both deliveries handled' },
    );
    expect(await jobsOf(lead.leadId)).toHaveLength(1);
    expect(await scoring.query(`SELECT 1 FROM messaging_outbox WHERE message_key = $1 AND topic = 'lead.scored'`, [lead.leadId])).toHaveLength(1);
    expect(await requestsAbout(model, lead.email)).toHaveLength(1);
    expect(outcomes.scoredOf(lead.leadId)).toHaveLength(1);
  });

  it('waits as long as a 429 asks, then scores the lead without failing it', async () => {
    await model.setMode({ mode: 'rate-limit', retryAfterSeconds: 1, times: 1 });
    const lead = leadEnriched(workspaceId);
    await events.publish(Topics.leadEnriched, lead.leadId, lead);

    const { data: scored } = await outcomes.waitScored(lead.leadId);
    expect(scored.attemptNumber).toBe(2);
    expect(outcomes.failedOf(lead.leadId)).toEqual([]);
    const [limited, answered] = await requestsAbout(model, lead.email);
    expect([limited.status, answered.status]).toEqual([429, 200]);
    expect(answered.atMs - limited.atMs).toBeGreaterThanOrEqual(1000);
    expect((await attemptsOf(lead.leadId)).map((attempt) => [attempt.outcome, attempt.http_status])).toEqual([
      ['rate_limited', 429],
      ['success', 200],
    ]);
  });

  it('fails a lead visibly in an outage, and scores it when a new analysis is requested after recovery', async () => {
    await model.setMode({ mode: 'outage' });
    const lead = leadEnriched(workspaceId, { customFields: { business_name: 'Soylent' } });
    await events.publish(Topics.leadEnriched, lead.leadId, lead);

    const { data: failed } = await outcomes.waitFailed(lead.leadId);
    expect(failed).toMatchObject({
      leadId: lead.leadId,
      workspaceId,
      stage: FailureStage.SCORING,
      errorCode: 'llm_unavailable',
      retryable: true,
      attemptCount: 3,
      reason: expect.stringContaining('HTTP 503'),
    });
    expect(failed.analysisId).toBe((await jobsOf(lead.leadId))[0].id);
    expect(outcomes.scoredOf(lead.leadId)).toEqual([]);
    expect((await requestsAbout(model, lead.email)).map((request) => request.status)).toEqual([503, 503, 503]);
    expect((await attemptsOf(lead.leadId)).map((attempt) => attempt.outcome)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    const [job] = await jobsOf(lead.leadId);
    expect(job).toMatchObject({ status: 'failed', score: null, qualification: null, error_code: 'llm_unavailable' });

    await model.setMode({ mode: 'normal' });
    await events.publish(Topics.leadAnalysisRequested, lead.leadId, {
      leadId: lead.leadId,
      workspaceId,
      requestedBy: { kind: ActorKind.USER, id: randomUUID() },
      reason: 'the model is back',
    });
    const { data: scored } = await outcomes.waitScored(lead.leadId);
    expect(scored).toMatchObject({ companyName: 'Soylent', attemptNumber: 1, model: 'dev-model-1' });
    expect(scored.analysisId).not.toBe(failed.analysisId);
    // The retry needed nothing but the event: the profile comes from the kept snapshot.
    expect(scored.profile?.email).toBe(lead.email);
    expect(scored.profile?.customFields).toEqual({ business_name: 'Soylent' });
  });

  it('gives up on a model that does not answer in time', async () => {
    await model.setMode({ mode: 'hang' });
    const lead = leadEnriched(workspaceId);
    await events.publish(Topics.leadEnriched, lead.leadId, lead);
    const { data: failed } = await outcomes.waitFailed(lead.leadId);
    expect(failed).toMatchObject({ errorCode: 'llm_timeout', attemptCount: 3, retryable: true, reason: expect.stringContaining('1.5 s') });
    expect((await attemptsOf(lead.leadId)).map((attempt) => attempt.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('retries malformed replies, then fails the lead; never a made-up score', async () => {
    await model.setMode({ mode: 'malformed' });
    const lead = leadEnriched(workspaceId);
    await events.publish(Topics.leadEnriched, lead.leadId, lead);
    const { data: failed } = await outcomes.waitFailed(lead.leadId);
    expect(failed).toMatchObject({ errorCode: 'llm_malformed_reply', attemptCount: 3, retryable: true, reason: expect.stringContaining('not JSON') });
    expect(outcomes.scoredOf(lead.leadId)).toEqual([]);
    const attempts = await attemptsOf(lead.leadId);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['malformed', 'malformed', 'malformed']);
    expect(attempts[0].raw_reply).toContain('"score'); // the broken reply is kept for the record
    expect((await jobsOf(lead.leadId))[0]).toMatchObject({ status: 'failed', score: null });
  });

  it.each([
    ['an extra key', JSON.stringify({ score: 100, qualification: 'hot', reason: 'Perfect lead.', companyName: null, admin: true })],
    ['a score out of range', JSON.stringify({ score: 150, qualification: 'hot', reason: 'Perfect lead.', companyName: null })],
    ['a fenced answer', '```json\n{"score": 100, "qualification": "hot", "reason": "Perfect lead.", "companyName": null}\n```'],
  ])('never accepts a reply that is not schema-valid: %s', async (_name, content) => {
    await model.setMode({ mode: 'fixed', content });
    const lead = leadEnriched(workspaceId);
    await events.publish(Topics.leadEnriched, lead.leadId, lead);
    const { data: failed } = await outcomes.waitFailed(lead.leadId);
    expect(failed).toMatchObject({ errorCode: 'llm_malformed_reply', attemptCount: 3 });
    expect(outcomes.scoredOf(lead.leadId)).toEqual([]);
  });

  it('keeps every injection attempt of the corpus as delimited data, and scores the lead on its data', async () => {
    const baseline = leadEnriched(workspaceId, { customFields: { notes: 'Interested in a demo next week.' } });
    const attacks = injectionCorpus.map((entry) => ({ entry, lead: leadEnriched(workspaceId, { customFields: { [entry.field]: entry.value } }) }));
    await Promise.all([baseline, ...attacks.map(({ lead }) => lead)].map((lead) => events.publish(Topics.leadEnriched, lead.leadId, lead)));

    const { data: reference } = await outcomes.waitScored(baseline.leadId);
    for (const { entry, lead } of attacks) {
      const { data: scored } = await outcomes.waitScored(lead.leadId, `lead with "${entry.name}" scored`);
      const [request] = await requestsAbout(model, lead.email);
      const { data, system } = delimitedLead(request);
      expect(data.customFields).toEqual({ [entry.field]: entry.value });
      expect(system).not.toContain(entry.value);
      if (entry.field === 'company') {
        // A company-like field is still just data: its text is the company name the model read.
        expect(scored.companyName).toBe(entry.value);
      } else {
        expect(scored.score).toBe(reference.score);
        expect(scored.qualification).toBe(reference.qualification);
      }
      expect(scored.score).toBeLessThan(100);
    }
  });
});
