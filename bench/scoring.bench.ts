/**
 * The scoring benchmark: how close the scoring service's worker pool comes to its ideal
 * throughput (concurrency ÷ model latency) with the dev model answering in a fixed time, and the
 * end-to-end latency from `lead.enriched` accepted by Kafka to `lead.scored` readable on Kafka at
 * 70 % of the measured maximum rate. Not a test: it prints figures.
 *
 *   swc … && node --enable-source-maps dist/bench/scoring.bench.js
 *
 * Env: BENCH_CONCURRENCY (comma-separated SCORING_CONCURRENCY values, default "8,16"),
 * BENCH_MODEL_LATENCY_MS (200), BENCH_THROUGHPUT_SECONDS (15: the backlog is that many seconds of
 * ideal throughput), BENCH_SECONDS (20: the steady-rate part), BENCH_LOAD (0.7).
 *
 * It takes the bench broker and lock (bench/infrastructure.ts), runs the dev model and the
 * scoring service as their own processes from dist/ (scoring on its own database `bench_scoring`,
 * dropped and recreated per run), and publishes with kafkajs like the enrichment service would.
 */
import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EmailClass, LeadChannel, MxStatus, Topics, decodeEvent, encodeEvent } from '@leads/contracts';
import { freePort, launch, runToCompletion, startServiceProcess, waitUntilReady, type ServiceProcess } from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { startInfrastructure, stopInfrastructure } from './infrastructure';
import { loadAverage, machineDescription, percentile } from './resources';

// kafkajs 2.2.4 on Node 24 emits TimeoutNegativeWarning (known, harmless): drop only that one.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning' || (warning as Error)?.name === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
};
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '8,16').split(',').map((value) => Number(value.trim()));
const MODEL_LATENCY_MS = number('BENCH_MODEL_LATENCY_MS', 200);
const THROUGHPUT_SECONDS = number('BENCH_THROUGHPUT_SECONDS', 15);
const STEADY_SECONDS = number('BENCH_SECONDS', 20);
const LOAD = number('BENCH_LOAD', 0.7);
const DATABASE = 'bench_scoring';
const WORKSPACES = Array.from({ length: 20 }, () => randomUUID());

interface RunResult {
  concurrency: number;
  ideal: number;
  /** The same concurrency of plain fetch calls to the dev model, back to back: the machine's ceiling. */
  raw: number;
  drained: number;
  overall: number;
  leads: number;
  failed: number;
  steadyRate: number;
  achievedRate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  steadyLeads: number;
}

function leadEnriched(index: number) {
  const leadId = randomUUID();
  return {
    leadId,
    workspaceId: WORKSPACES[index % WORKSPACES.length],
    submissionId: randomUUID(),
    profile: {
      email: `lead-${leadId.slice(0, 8)}@initech.example`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      jobTitle: 'Head of Operations',
      phone: '+44 20 7946 0000',
      country: 'GB',
      customFields: { organization: 'Initech', plan: 'enterprise', seats: 42 },
    },
    source: { channel: LeadChannel.API },
    enrichment: {
      email: { syntaxValid: true, domain: 'initech.example', mxStatus: MxStatus.VALID, mxHosts: ['mx.initech.example'] },
      emailClass: EmailClass.BUSINESS,
      company: { name: 'Initech', domain: 'initech.example', confidence: 0.8 },
    },
    occurredAt: timestampFromDate(new Date()),
  };
}

function record(index: number) {
  const data = leadEnriched(index);
  const encoded = encodeEvent(Topics.leadEnriched, data, { key: data.leadId, source: '/services/bench' });
  return { leadId: data.leadId, message: { key: encoded.key, value: encoded.value, headers: encoded.headers } };
}

/** lead.scored / lead.failed arrival times, by lead id, read by a consumer group of the run's own. */
class Arrivals {
  readonly scored = new Map<string, number>();
  readonly failed = new Set<string>();
  private readonly consumer: Consumer;
  private joined!: Promise<void>;

  constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: `bench-scoring-${randomUUID()}`, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    this.joined = new Promise((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.leadScored.name, Topics.leadFailed.name], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 12,
      eachMessage: async ({ topic, message }) => {
        const at = Date.now();
        const leadId = message.key?.toString() ?? '';
        if (topic === Topics.leadScored.name) this.scored.set(decodeEvent(Topics.leadScored, message).data.leadId || leadId, at);
        else this.failed.add(leadId);
      },
    });
    await this.joined;
  }

  stop = () => this.consumer.disconnect();

  async waitFor(ids: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = ids.filter((id) => this.scored.has(id) || this.failed.has(id)).length;
      if (done === ids.length) return;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${ids.length} leads answered in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function startProcess(name: string, entry: string, env: Record<string, string>): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const process = startServiceProcess({ name, entry, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, url);
  return { url, process };
}

/** C loops of back-to-back plain `fetch` calls to the dev model, with a prompt-sized body: what this machine allows without the service. */
async function rawCeiling(concurrency: number, modelUrl: string, seconds = 5): Promise<number> {
  const body = JSON.stringify({
    model: 'dev-model-1',
    messages: [
      { role: 'system', content: 'x'.repeat(2_500) },
      { role: 'user', content: `Assess this lead.\nBEGIN LEAD DATA 00\n${JSON.stringify(leadEnriched(0).profile)}\nEND LEAD DATA 00` },
    ],
  });
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const response = await fetch(`${modelUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer dev' }, body });
        await response.text();
        count += 1;
      }
    }),
  );
  return count / ((Date.now() - started) / 1000);
}

async function runOnce(concurrency: number, brokers: string[], modelUrl: string, producer: Producer, kafka: Kafka): Promise<RunResult> {
  await launch('postgres.mjs', ['drop', DATABASE]);
  await launch('postgres.mjs', ['ensure', DATABASE]);
  const env = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DATABASE}`,
    KAFKA_BROKERS: brokers.join(','),
    INTERNAL_TOKEN: randomUUID(),
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    OPENAI_BASE_URL: `${modelUrl}/v1`,
    OPENAI_API_KEY: 'dev',
    SCORING_MODEL: 'dev-model-1',
    SCORING_CONCURRENCY: String(concurrency),
    SCORING_REQUESTS_PER_MINUTE: '10000000',
  };
  const entry = 'dist/services/scoring/src/main.js';
  await runToCompletion({ name: 'bench-scoring-migrate', entry, args: ['migrate'], env });
  const scoring = await startProcess('bench-scoring', entry, env);
  const arrivals = new Arrivals(kafka);
  try {
    await arrivals.start();
    const ideal = concurrency / (MODEL_LATENCY_MS / 1000);
    const raw = await rawCeiling(concurrency, modelUrl);

    // Warm-up: connections, JIT, the consumer group's partitions.
    const warmup = Array.from({ length: concurrency * 2 }, (_, index) => record(index));
    await producer.send({ topic: Topics.leadEnriched.name, messages: warmup.map((item) => item.message) });
    await arrivals.waitFor(warmup.map((item) => item.leadId), 60_000);

    // Throughput: a backlog of THROUGHPUT_SECONDS of ideal throughput, drained by the pool.
    const count = Math.ceil(ideal * THROUGHPUT_SECONDS);
    const backlog = Array.from({ length: count }, (_, index) => record(index));
    process.stderr.write(`concurrency ${concurrency}: ${count} leads in a backlog (ideal ${ideal.toFixed(0)}/s)\n`);
    const publishedAt = Date.now();
    for (let start = 0; start < backlog.length; start += 500) {
      await producer.send({ topic: Topics.leadEnriched.name, messages: backlog.slice(start, start + 500).map((item) => item.message) });
    }
    await arrivals.waitFor(backlog.map((item) => item.leadId), 60_000 + (count / ideal) * 5_000);
    const times = backlog.flatMap((item) => (arrivals.scored.has(item.leadId) ? [arrivals.scored.get(item.leadId)!] : [])).sort((a, b) => a - b);
    const failed = backlog.filter((item) => arrivals.failed.has(item.leadId)).length;
    // The drain rate: from the first lead.scored to the last (the pool at full concurrency).
    const drained = (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
    const overall = times.length / ((times[times.length - 1] - publishedAt) / 1000);

    // Latency at LOAD × the measured maximum: one lead at a time, on a fixed schedule.
    const steadyRate = Math.max(1, Math.floor(drained * LOAD));
    const total = Math.ceil(steadyRate * STEADY_SECONDS);
    process.stderr.write(`concurrency ${concurrency}: ${steadyRate} leads/s for ${STEADY_SECONDS}s\n`);
    const accepted = new Map<string, number>();
    const sends: Promise<unknown>[] = [];
    const started = Date.now();
    for (let index = 0; index < total; index += 1) {
      const due = started + (index * 1000) / steadyRate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const item = record(index);
      accepted.set(item.leadId, Date.now());
      sends.push(producer.send({ topic: Topics.leadEnriched.name, messages: [item.message] }));
    }
    await Promise.all(sends);
    const achievedRate = total / ((Date.now() - started) / 1000);
    await arrivals.waitFor([...accepted.keys()], 120_000);
    const latencies = [...accepted].flatMap(([id, at]) => (arrivals.scored.has(id) ? [arrivals.scored.get(id)! - at] : [])).sort((a, b) => a - b);
    return {
      concurrency,
      ideal,
      raw,
      drained,
      overall,
      leads: count,
      failed,
      steadyRate,
      achievedRate,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      steadyLeads: latencies.length,
    };
  } finally {
    await arrivals.stop().catch(() => undefined);
    await scoring.process.stop();
  }
}

async function main(): Promise<void> {
  const infrastructure = await startInfrastructure();
  let model: { url: string; process: ServiceProcess } | undefined;
  const kafka = new Kafka({ brokers: infrastructure.brokers, clientId: 'bench-scoring', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    model = await startProcess('bench-dev-model', 'dist/services/dev-model/src/main.js', { DEV_MODEL_LATENCY_MS: String(MODEL_LATENCY_MS) });
    await producer.connect();
    const results: RunResult[] = [];
    for (const concurrency of CONCURRENCIES) results.push(await runOnce(concurrency, infrastructure.brokers, model.url, producer, kafka));

    const goal = (2.5 * MODEL_LATENCY_MS).toFixed(0);
    const lines = [
      `machine: ${machineDescription()}; load average ${loadAverage()}`,
      `dev model latency ${MODEL_LATENCY_MS} ms; backlog of ${THROUGHPUT_SECONDS}s of ideal throughput; steady part ${STEADY_SECONDS}s at ${LOAD * 100} % of the drain rate`,
      '',
      '| SCORING_CONCURRENCY | ideal (C ÷ latency) | raw fetch ceiling | drain rate | ratio to ideal (goal ≥ 0.9) | ratio to raw | backlog → last scored | steady rate (achieved) | p50 | p90 | p99 (goal ≤ ' + goal + ' ms) | max |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map(
        (r) =>
          `| ${r.concurrency} | ${r.ideal.toFixed(1)}/s | ${r.raw.toFixed(1)}/s | ${r.drained.toFixed(1)}/s | ${(r.drained / r.ideal).toFixed(2)} | ${(r.drained / r.raw).toFixed(2)} | ${r.overall.toFixed(1)}/s (${r.leads} leads, ${r.failed} failed) | ${r.steadyRate}/s (${r.achievedRate.toFixed(1)}) | ${r.p50} ms | ${r.p90} ms | ${r.p99} ms | ${r.max} ms |`,
      ),
    ];
    process.stdout.write(`\nScoring benchmark\n${lines.join('\n')}\n`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await model?.process.stop();
    await stopInfrastructure();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
