import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Progress } from './progress';

/** What the consumer thread runs: a raw kafkajs consumer that only counts, or the messaging transport with the bench's handler. */
export interface ConsumerThreadOptions {
  readonly kind: 'raw' | 'backbone';
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly poolSize?: number;
  /** `partitionsConsumedConcurrently`; for the backbone, undefined keeps the library's default. */
  readonly concurrency?: number;
  readonly groupId: string;
  readonly topic: string;
  /** Keep, per event, when it was handled and its `ce_time` (the latency part). */
  readonly keepTimes: boolean;
}

/** What the thread's kafkajs consumer did (its instrumentation events), since it joined. */
export interface ConsumerActivity {
  fetches: number;
  batches: number;
  messages: number;
  batchMs: number;
  offsetCommits: number;
}

export type FromConsumerThread =
  | { readonly type: 'ready' }
  /** `at`: when the count was reached, in ms since the epoch with sub-ms precision (performance.timeOrigin + now()). */
  | { readonly type: 'handled'; readonly count: number; readonly at: number }
  | { readonly type: 'result'; readonly times: Array<[eventId: string, handledAt: number, eventTime: number]>; readonly kafkajs: ConsumerActivity }
  | { readonly type: 'failed'; readonly error: string };

export type ToConsumerThread = { readonly type: 'stop' };

/**
 * The raw baseline's consumer, on whichever thread calls it: eachBatch, counting only (`watch`
 * sees the consumer before it runs). Resolves with how to stop it once it runs.
 */
export async function startCountingConsumer(
  kafka: Kafka,
  options: { readonly groupId: string; readonly topic: string; readonly concurrency?: number },
  count: (messages: number) => void,
  watch?: (consumer: Consumer) => void,
): Promise<() => Promise<void>> {
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
  watch?.(consumer);
  await consumer.run({
    partitionsConsumedConcurrently: options.concurrency,
    eachBatch: async ({ batch }: EachBatchPayload) => count(batch.messages.length),
  });
  return () => consumer.disconnect();
}

/**
 * A consumer on a thread of its own (its own event loop, as a consumer in another service's
 * process has), driven from the bench's main thread: the count of handled events arrives as
 * messages, the per-event times and kafkajs activity when it stops.
 */
export class ConsumerThread {
  readonly progress: Progress;
  /** Per event id: handled (the handler's transaction committed) at, in ms since the epoch (keepTimes). */
  readonly handledAt = new Map<string, number>();
  /** Per event id: `ce_time` in ms since the epoch (keepTimes). */
  readonly eventTime = new Map<string, number>();
  kafkajs: ConsumerActivity = { fetches: 0, batches: 0, messages: 0, batchMs: 0, offsetCommits: 0 };
  private readonly worker: Worker;
  private failure?: Error;
  private readonly ready: Promise<void>;
  private result?: Promise<void>;

  private constructor(options: ConsumerThreadOptions, stallMs: number) {
    this.progress = new Progress(`consumer thread ${options.groupId}`, stallMs);
    this.worker = new Worker(join(__dirname, 'consumer.worker.js'), { workerData: options, execArgv: process.execArgv });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromConsumerThread) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'handled') this.progress.set(message.count, message.at - performance.timeOrigin);
        if (message.type === 'failed') {
          this.failure = new Error(`consumer thread ${options.groupId}: ${message.error}`);
          reject(this.failure);
        }
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`consumer thread ${options.groupId} exited with ${code} before it was ready`)));
    });
    this.ready.catch(() => undefined);
  }

  /** Starts the thread; resolves once its consumer has joined its group. */
  static async start(options: ConsumerThreadOptions, stallMs: number): Promise<ConsumerThread> {
    const thread = new ConsumerThread(options, stallMs);
    try {
      await thread.ready;
    } catch (error) {
      await thread.worker.terminate();
      throw error;
    }
    return thread;
  }

  /** The thread's event-loop utilisation, cumulative (for performance.eventLoopUtilization deltas). */
  eventLoop(): ReturnType<typeof performance.eventLoopUtilization> {
    return this.worker.performance.eventLoopUtilization();
  }

  /** Closes the consumer (it leaves its group) and collects its per-event times and kafkajs activity. */
  stop(): Promise<void> {
    this.result ??= new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: FromConsumerThread) => {
        if (message.type !== 'result') return;
        for (const [eventId, handledAt, eventTime] of message.times) {
          this.handledAt.set(eventId, handledAt);
          this.eventTime.set(eventId, eventTime);
        }
        this.kafkajs = message.kafkajs;
        resolve();
      });
      this.worker.once('exit', () => reject(this.failure ?? new Error('the consumer thread exited before it reported')));
      this.worker.postMessage({ type: 'stop' } satisfies ToConsumerThread);
    }).finally(() => this.worker.terminate());
    return this.result;
  }
}
