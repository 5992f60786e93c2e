/**
 * `POST /v1/leads` throughput of the gateway (API key auth, validation, field recognition,
 * dedupe upsert, submission row and outbox event in one transaction; the relay publishing to
 * Kafka meanwhile) as a ratio to a bare Fastify server parsing the same body, both measured here
 * in the same run with the same load generator; then p99 latency at 70 % of the gateway's
 * maximum rate. A third server shows what a commit per request costs here: bare Fastify storing a
 * lead's rows in one durable statement (bench/fixtures/durable-fastify.ts). Each run reports the
 * CPU per request of the server, PostgreSQL and the load generator. Not a test: it prints figures.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { freePort, launch, runToCompletion, signUp, startServiceProcess, waitUntilReady, type ServiceProcess } from '@leads/testing';
import { BENCH_BROKER, startInfrastructure, stopInfrastructure } from './infrastructure';
import { machineDescription, postgresCpuDelta, postgresCpuSeconds, processCpuSeconds } from './resources';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DATABASE = 'bench_ingest';

interface Run {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, headers: Record<string, string>, overallRate?: number): Promise<Run> {
  return measure({
    url: `${url}/v1/leads`,
    method: 'POST',
    ...(overallRate ? { overallRate } : {}),
    headers: { ...headers, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: `${randomUUID()}@bench.example`, firstName: 'Bench', 'Company Name': 'Initech', plan: 'pro' }),
        }),
      },
    ],
  });
}

async function measure(options: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Runs `body` (a load run against the server `pid`) and adds CPU µs per request: the server's, PostgreSQL's, and this process's (the load generator). */
async function withCpu(pid: number, body: () => Promise<Run>): Promise<Run & { cpu: string }> {
  const before = { server: processCpuSeconds(pid) ?? 0, postgres: postgresCpuSeconds(), generator: process.cpuUsage() };
  const run = await body();
  const generator = process.cpuUsage(before.generator);
  const us = (seconds: number) => ((seconds * 1e6) / Math.max(1, run.requests)).toFixed(0);
  const cpu =
    `CPU per request: server ${us((processCpuSeconds(pid) ?? 0) - before.server)} µs, postgres ${us(postgresCpuDelta(before.postgres, postgresCpuSeconds()))} µs, ` +
    `load generator ${us((generator.user + generator.system) / 1e6)} µs`;
  return { ...run, cpu };
}

async function startProcess(name: string, entry: string, env: Record<string, string>): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const process = startServiceProcess({ name, entry, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, url);
  return { url, process };
}

async function main(): Promise<void> {
  const infrastructure = await startInfrastructure();
  await launch('postgres.mjs', ['drop', DATABASE]);
  await launch('postgres.mjs', ['ensure', DATABASE]);
  const env = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DATABASE}`,
    KAFKA_BROKERS: infrastructure.brokers.join(','),
    INTERNAL_TOKEN: randomUUID(),
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('INTAKE_'))),
  } as Record<string, string>;
  const entry = 'dist/services/ingest/src/main.js';
  await runToCompletion({ name: 'bench-ingest-migrate', entry, args: ['migrate'], env });
  const baseline = await startProcess('bench-bare-fastify', 'dist/bench/fixtures/bare-fastify.js', {});
  // BENCH_CPU_PROFILE=<dir>: the gateway writes a V8 CPU profile there when it stops.
  const profile: Record<string, string> = process.env.BENCH_CPU_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}` } : {};
  const gateway = await startProcess('bench-ingest', entry, { ...env, ...profile });
  const started = [baseline.process, gateway.process];
  try {
    const account = await signUp(gateway.url, 'Bench');
    const commitPerRequest = await startProcess('bench-durable-fastify', 'dist/bench/fixtures/durable-fastify.js', {
      DATABASE_URL: env.DATABASE_URL,
      WORKSPACE_ID: account.workspace.id,
    });
    started.push(commitPerRequest.process);
    process.stderr.write(`warming up, then ${SECONDS}s per run, ${CONNECTIONS} connections\n`);
    await load(gateway.url, account.auth);
    const bare = await withCpu(baseline.process.pid, () => load(baseline.url, {}));
    // What the gateway's framework alone allows (Nest on Fastify, no auth, no body, no database).
    const floor = await withCpu(gateway.process.pid, () => measure({ url: `${gateway.url}/health/live` }));
    await load(commitPerRequest.url, {});
    const stored = await withCpu(commitPerRequest.process.pid, () => load(commitPerRequest.url, {}));
    const api = await withCpu(gateway.process.pid, () => load(gateway.url, account.auth));
    const steadyRate = Math.floor(api.requestsPerSecond * 0.7);
    const steady = await load(gateway.url, account.auth, steadyRate);
    const ratio = api.requestsPerSecond / bare.requestsPerSecond;
    const lines = [
      `machine: ${machineDescription()}`,
      `bare Fastify POST:        ${bare.requestsPerSecond.toFixed(0)} req/s (p99 ${bare.p99} ms); ${bare.cpu}`,
      `gateway GET /health/live: ${floor.requestsPerSecond.toFixed(0)} req/s (p99 ${floor.p99} ms): the framework's own ceiling, ratio ${(floor.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}; ${floor.cpu}`,
      `commit per request POST: ${stored.requestsPerSecond.toFixed(0)} req/s (p99 ${stored.p99} ms, non-2xx ${stored.non2xx}): bare Fastify + the lead's rows in one durable statement, ratio ${(stored.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}; ${stored.cpu}`,
      `gateway POST /v1/leads:   ${api.requestsPerSecond.toFixed(0)} req/s (p99 ${api.p99} ms, non-2xx ${api.non2xx}, errors ${api.errors}); ${api.cpu}`,
      `ratio:                    ${ratio.toFixed(2)} (goal >= 0.30)`,
      `at 70 % (${steadyRate} req/s): p50 ${steady.p50} ms, p99 ${steady.p99} ms (goal <= 25 ms), achieved ${steady.requestsPerSecond.toFixed(0)} req/s`,
    ];
    process.stdout.write(`\nLeads API benchmark (broker ${BENCH_BROKER.name})\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    await stopInfrastructure();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
