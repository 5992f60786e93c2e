/**
 * The body of a ConsumerThread (bench/consumer-thread.ts): one consumer, raw kafkajs or the
 * messaging transport, on this thread's event loop; counts go to the main thread as messages.
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { LeadCreated } from '@leads/contracts';
import { EventContext, Messaging, createKafka, type KafkaTransport } from '@leads/messaging';
import { createLogger } from '@leads/observability';
import { createDataSource } from '@leads/persistence';
import type { Consumer } from 'kafkajs';
import pino from 'pino';
import { startCountingConsumer, type ConsumerActivity, type ConsumerThreadOptions, type FromConsumerThread, type ToConsumerThread } from './consumer-thread';

const options = workerData as ConsumerThreadOptions;
const port = parentPort!;
const send = (message: FromConsumerThread) => port.postMessage(message);
const logger = createLogger({ name: 'bench-consumer', level: 'warn', destination: pino.destination(2) });

let handled = 0;
let flushScheduled = false;
/** Counts go out at most every few ms: a message per event would cost the thread more than the handler. */
function count(n: number): void {
  handled += n;
  if (flushScheduled) return;
  flushScheduled = true;
  setTimeout(() => {
    flushScheduled = false;
    send({ type: 'handled', count: handled, at: performance.timeOrigin + performance.now() });
  }, 2);
}

const times: Array<[string, number, number]> = [];
const kafkajs: ConsumerActivity = { fetches: 0, batches: 0, messages: 0, batchMs: 0, offsetCommits: 0 };

function instrument(consumer: Consumer): void {
  consumer.on(consumer.events.FETCH, () => (kafkajs.fetches += 1));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    kafkajs.batches += 1;
    kafkajs.messages += payload.batchSize;
    kafkajs.batchMs += payload.duration;
  });
  consumer.on(consumer.events.COMMIT_OFFSETS, () => (kafkajs.offsetCommits += 1));
}

/** The baseline's consumer: counting only. */
function startRaw(): Promise<() => Promise<void>> {
  const kafka = createKafka({ brokers: options.brokers, clientId: options.groupId }, logger.child({ component: 'kafkajs' }));
  return startCountingConsumer(kafka, options, count, instrument);
}

/**
 * The transport (decode; per partition batch one transaction: inbox insert, the handlers, commit)
 * with a handler that inserts one row through the event's transaction, as a real consumer's
 * effect would. No relay runs here: the main thread's Messaging has it.
 */
async function startBackbone(): Promise<() => Promise<void>> {
  const dataSource = await createDataSource({
    url: options.databaseUrl,
    applicationName: 'bench-consumer',
    ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
  }).initialize();
  const messaging = new Messaging(
    {
      serviceName: 'bench',
      brokers: options.brokers,
      databaseUrl: options.databaseUrl,
      ...(options.concurrency !== undefined && { consumer: { partitionsConsumedConcurrently: options.concurrency } }),
    },
    dataSource,
    logger,
  );
  await messaging.producer.connect(); // the transport's dead-letter producer
  const transport: KafkaTransport = messaging.createTransport({ groupId: options.groupId });
  transport.addHandler(
    options.topic,
    async (data: LeadCreated, context?: EventContext) => {
      const event = context!;
      await event.manager.query(`INSERT INTO bench_effects (event_id, lead_id) VALUES ($1, $2)`, [event.eventId, data.leadId]);
      event.afterCommit(() => {
        if (options.keepTimes) times.push([event.eventId, Date.now(), Date.parse(event.event.attributes.time)]);
        count(1);
      });
    },
    true,
  );
  await new Promise<void>((resolve, reject) => transport.listen((error) => (error ? reject(error) : resolve())));
  instrument(transport.unwrap<Consumer[]>().at(-1)!);
  return async () => {
    await transport.close();
    await messaging.producer.disconnect();
    await dataSource.destroy();
  };
}

async function main(): Promise<void> {
  const stop = await (options.kind === 'raw' ? startRaw() : startBackbone());
  port.on('message', (message: ToConsumerThread) => {
    if (message.type !== 'stop') return;
    void stop()
      .then(() => send({ type: 'result', times, kafkajs }))
      .catch((error: Error) => send({ type: 'failed', error: error.stack ?? String(error) }));
  });
  send({ type: 'ready' });
}

main().catch((error: Error) => send({ type: 'failed', error: error.stack ?? String(error) }));
