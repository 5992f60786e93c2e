import { randomUUID } from 'node:crypto';
import {
  expectEventually,
  queryDatabase,
  readMetric,
  signUp,
  startDevModel,
  startDnsServer,
  startGroupsAtEnd,
  startStack,
  type DevModel,
  type DnsServer,
  type Stack,
  type StackService,
} from '@leads/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

const LEADS = 1000;
/** How many leads are scored before one replica of each consumer is killed. */
const KILL_AFTER = 200;
const SUBMIT_CONCURRENCY = 16;

/**
 * What a platform team relies on when it scales the consumers out: two replicas of enrichment
 * and of scoring share their consumer groups' partitions, every lead is processed exactly once,
 * and a replica killed mid-stream (SIGKILL: no shutdown, no offset commit) loses nothing.
 */
describe('scaling the consumers out', () => {
  let dns: DnsServer;
  let model: DevModel;
  let stack: Stack;
  let replicas: { enrichment: StackService; scoring: StackService };
  let consumer: Consumer;
  /** Per lead, the distinct ids of the lead.scored events read from Kafka. */
  const scoredEvents = new Map<string, Set<string>>();

  beforeAll(async () => {
    [dns, model] = await Promise.all([startDnsServer({ 'initech.example': { mx: ['mx.initech.example'] } }), startDevModel()]);
    stack = await startStack(['ingest', 'pipeline', 'enrichment', 'scoring'], {
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address },
        scoring: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test-key', SCORING_MODEL: model.modelName, SCORING_TIMEOUT_MS: '2000' },
      },
    });
    const [enrichment, scoring] = await Promise.all([stack.addReplica('enrichment'), stack.addReplica('scoring')]);
    replicas = { enrichment, scoring };

    const groupId = `scale-out-${randomUUID()}`;
    // From the end of the topic: other test files leave a backlog on the shared broker.
    await startGroupsAtEnd(stack.brokers, [groupId], ['lead.scored']);
    consumer = new Kafka({ clientId: 'scale-out-test', brokers: stack.brokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lead.scored', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const leadId = message.key!.toString();
        const ids = scoredEvents.get(leadId) ?? new Set<string>();
        ids.add(message.headers!.ce_id!.toString());
        scoredEvents.set(leadId, ids);
      },
    });
  }, 300_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await stack?.stop();
    await Promise.all([dns?.close(), model?.stop()]);
  });

  const pipelineLeads = (status: string) =>
    queryDatabase<{ count: number }>(stack.services.pipeline.database.url, `SELECT count(*)::int AS count FROM leads WHERE processing_status = $1`, [status]);

  it('splits the partitions, processes 1,000 leads exactly once, and survives a SIGKILLed replica', async () => {
    const account = await signUp(stack.gateway);
    const emails = Array.from({ length: LEADS }, (_, index) => `lead-${index}@initech.example`);
    const ids: string[] = [];
    for (let start = 0; start < emails.length; start += SUBMIT_CONCURRENCY) {
      const answers = await Promise.all(
        emails.slice(start, start + SUBMIT_CONCURRENCY).map(async (email) => {
          const response = await fetch(`${stack.gateway}/v1/leads`, {
            method: 'POST',
            headers: { ...account.auth, 'content-type': 'application/json' },
            body: JSON.stringify({ email, firstName: 'Scale', lastName: 'Out', jobTitle: 'Engineer' }),
          });
          expect(response.status).toBe(202);
          return ((await response.json()) as { id: string }).id;
        }),
      );
      ids.push(...answers);
    }
    expect(new Set(ids).size).toBe(LEADS);

    await expectEventually(async () => expect((await pipelineLeads('scored'))[0].count).toBeGreaterThanOrEqual(KILL_AFTER), {
      description: `${KILL_AFTER} leads scored`,
      timeoutMs: 120_000,
    });
    // Both replicas of each service took part: the partitions are split between them.
    for (const name of ['enrichment', 'scoring'] as const) {
      const handled = (service: StackService) =>
        readMetric(`${service.baseUrl}/metrics`, 'messaging_events_total', { consumer: name, outcome: 'handled' });
      expect(await handled(stack.services[name])).toBeGreaterThan(0);
      expect(await handled(replicas[name])).toBeGreaterThan(0);
    }
    await Promise.all([replicas.enrichment.process.kill(), replicas.scoring.process.kill()]);

    await expectEventually(async () => expect((await pipelineLeads('scored'))[0].count).toBe(LEADS), {
      description: 'every lead scored by the surviving replicas',
      timeoutMs: 180_000,
    });
    expect((await pipelineLeads('failed'))[0].count).toBe(0);

    // Exactly once: one enrichment, one analysis with one successful attempt, and one lead.scored
    // event per lead (a relay may publish an event again after a crash, but under the same id).
    const enrichments = await queryDatabase<{ lead_id: string }>(stack.services.enrichment.database.url, `SELECT lead_id FROM lead_enrichments WHERE status = 'enriched'`);
    expect(new Set(enrichments.map((row) => row.lead_id))).toEqual(new Set(ids));
    const analyses = await queryDatabase<{ lead_id: string; jobs: number; successes: number }>(
      stack.services.scoring.database.url,
      `SELECT j.lead_id, count(DISTINCT j.id)::int AS jobs, count(a.id) FILTER (WHERE a.outcome = 'success')::int AS successes
       FROM analysis_jobs j LEFT JOIN analysis_attempts a ON a.job_id = j.id GROUP BY j.lead_id`,
    );
    expect(analyses).toHaveLength(LEADS);
    expect(analyses.filter((row) => row.jobs !== 1 || row.successes !== 1)).toEqual([]);
    await expectEventually(() => expect(ids.filter((id) => !scoredEvents.has(id))).toEqual([]), { description: 'a lead.scored for every lead read from Kafka' });
    expect(ids.filter((id) => scoredEvents.get(id)!.size !== 1)).toEqual([]);
  }, 480_000);
});
