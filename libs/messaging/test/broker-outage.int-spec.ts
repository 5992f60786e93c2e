import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createTestDatabase, dataDir, expectEventually, freePort, launch, queryDatabase, type TestDatabase } from '@leads/testing';
import { migrateProbe, startProbe, submitLeads, type RunningProbe } from './probe/probe-harness';

/**
 * This test stops and restarts a broker, so it gets one of its own (never the shared test broker).
 */
describe('a Kafka outage delays events and loses none', () => {
  const broker = { name: `outage-${process.pid}`, port: 0, controllerPort: 0 };
  let brokers: string;
  let producerDb: TestDatabase;
  let consumerDb: TestDatabase;
  let producer: RunningProbe;
  let consumer: RunningProbe;
  const startBroker = (fresh: boolean) =>
    launch('kafka.mjs', [
      'start', '--name', broker.name, '--port', String(broker.port), '--controller-port', String(broker.controllerPort),
      ...(fresh ? ['--fresh'] : []),
    ]);

  beforeAll(async () => {
    broker.port = await freePort();
    broker.controllerPort = await freePort();
    brokers = `127.0.0.1:${broker.port}`;
    [producerDb, consumerDb] = await Promise.all([createTestDatabase('outage_producer'), createTestDatabase('outage_consumer'), startBroker(true)]);
    await Promise.all([migrateProbe({ databaseUrl: producerDb.url, brokers }), migrateProbe({ databaseUrl: consumerDb.url, brokers })]);
    [producer, consumer] = await Promise.all([
      startProbe({ role: 'producer', databaseUrl: producerDb.url, brokers }),
      startProbe({ role: 'consumer', databaseUrl: consumerDb.url, brokers }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([producer?.process.stop(), consumer?.process.stop()]);
    await launch('kafka.mjs', ['stop', '--name', broker.name]);
    await rm(path.join(dataDir, 'kafka', broker.name), { recursive: true, force: true });
    await Promise.all([producerDb?.drop(), consumerDb?.drop()]);
  });

  it('delivers what was written while the broker was down, after it restarts, exactly once', async () => {
    const before = { leadId: randomUUID(), email: 'before@example.com', firstName: 'Before' };
    await submitLeads(producer, [before]);
    const effects = () => queryDatabase<{ lead_id: string; n: number }>(consumerDb.url, `SELECT lead_id, count(*)::int AS n FROM probe_effects GROUP BY lead_id`);
    await expectEventually(async () => expect(await effects()).toEqual([{ lead_id: before.leadId, n: 1 }]));

    await launch('kafka.mjs', ['stop', '--name', broker.name]);
    const during = Array.from({ length: 20 }, (_, i) => ({ leadId: randomUUID(), email: `during-${i}@example.com`, firstName: 'During' }));
    for (const batch of [during.slice(0, 10), during.slice(10)]) await submitLeads(producer, batch);
    const pending = await queryDatabase<{ n: number }>(producerDb.url, `SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NULL`);
    expect(pending).toEqual([{ n: 20 }]);

    await startBroker(false);
    await expectEventually(
      async () => {
        const handled = await effects();
        expect(handled).toHaveLength(21);
        expect(handled.every((row) => row.n === 1)).toBe(true);
      },
      { timeoutMs: 120_000, description: 'every event written during the outage handled once' },
    );
    expect(await queryDatabase(producerDb.url, `SELECT 1 FROM messaging_outbox WHERE published_at IS NULL`)).toHaveLength(0);
  });
});
