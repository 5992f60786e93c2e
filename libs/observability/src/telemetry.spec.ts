/*
 * startTelemetry in a real service process: the spec compiles this lib with swc (as the build
 * does), starts a NestJS + Fastify app whose main imports an instrument file first (the
 * documented pattern), exports to a fake collector over OTLP/HTTP JSON and checks the spans.
 * Instrumentation patches Node's module loader, so it is tested out of Jest's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync, type Options } from '@swc/core';
import { expectEventually, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@leads/testing';
import { isUntracedIncomingRequest } from './telemetry';

const repoRoot = join(__dirname, '..', '..', '..');

const INSTRUMENT_TS = `
import { startTelemetry } from './observability/index';
export const telemetry = startTelemetry({ serviceName: 'default-name' });
`;

const APP_TS = `
import { request } from 'node:http';
import { Controller, Get, Headers, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { trace } from '@opentelemetry/api';
import { HealthChecks, ObservabilityModule, PinoNestLogger, createLogger } from './observability/index';

function callDownstream(): Promise<number> {
  return new Promise((resolve, reject) => {
    request(process.env.DOWNSTREAM_URL + '/downstream', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject).end();
  });
}

@Controller('work')
class WorkController {
  constructor(health: HealthChecks) {
    health.register('always', async () => undefined);
  }

  @Get()
  async work(@Headers('x-test') test: string) {
    const status = await callDownstream();
    const span = trace.getActiveSpan();
    return { status, test, traceId: span?.spanContext().traceId };
  }
}

export async function bootstrap() {
  const logger = createLogger({ name: 'default-name', level: 'warn' });
  @Module({ imports: [ObservabilityModule.forRoot({ logger })], controllers: [WorkController] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  await app.listen(0, '127.0.0.1');
  return app;
}
`;

const MAIN_TS = `
import { telemetry } from './instrument';
import { bootstrap } from './app';

bootstrap().then((app) => {
  process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + app.getHttpServer().address().port }) + '\\n');
  process.once('SIGTERM', async () => {
    await app.close();
    await telemetry.shutdown();
    process.stdout.write(JSON.stringify({ stopped: true }) + '\\n');
  });
}, (error) => {
  console.error(error);
  process.exit(1);
});
`;

function swcOptions(): Options {
  const { exclude: _exclude, ...options } = JSON.parse(readFileSync(join(repoRoot, '.swcrc'), 'utf8')) as Options & {
    exclude?: unknown;
  };
  const { baseUrl: _baseUrl, paths: _paths, ...jsc } = options.jsc ?? {};
  return { ...options, jsc, swcrc: false, sourceMaps: false };
}

/** Compiles libs/observability/src and the fixture service to CommonJS in a temp dir. */
function buildFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leads-telemetry-spec-'));
  const options = swcOptions();
  const compile = (source: string, filename: string, target: string) =>
    writeFileSync(target, transformSync(source, { ...options, filename }).code);
  const libDir = join(repoRoot, 'libs', 'observability', 'src');
  mkdirSync(join(dir, 'observability'));
  for (const file of readdirSync(libDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    compile(readFileSync(join(libDir, file), 'utf8'), file, join(dir, 'observability', file.replace(/\.ts$/, '.js')));
  }
  compile(INSTRUMENT_TS, 'instrument.ts', join(dir, 'instrument.js'));
  compile(APP_TS, 'app.ts', join(dir, 'app.js'));
  compile(MAIN_TS, 'main.ts', join(dir, 'main.js'));
  return dir;
}

interface RunningService {
  url: string;
  stop(): Promise<void>;
}

async function startService(dir: string, env: Record<string, string>): Promise<RunningService> {
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: join(repoRoot, 'node_modules'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', (code) => (exitCode = code));
  const messages = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{"url"') || line.startsWith('{"stopped"'))
      .map((line) => JSON.parse(line) as { url?: string; stopped?: boolean });

  const { url } = await expectEventually(
    () => {
      if (exitCode !== undefined) throw new Error(`service exited with ${exitCode}: ${stderr}`);
      const started = messages().find((message) => message.url);
      if (!started?.url) throw new Error(`service not listening yet; stderr: ${stderr}`);
      return { url: started.url };
    },
    { timeoutMs: 20_000, description: 'fixture service listening' },
  );
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await expectEventually(
        () => {
          expect(messages().some((message) => message.stopped)).toBe(true);
        },
        { timeoutMs: 10_000, description: `fixture service stopped (stderr: ${stderr})` },
      );
      child.kill('SIGKILL');
    },
  };
}

describe('startTelemetry', () => {
  let dir: string;
  let receiver: OtlpReceiver;
  let downstream: Server;
  let downstreamUrl: string;
  const downstreamHeaders: IncomingHttpHeaders[] = [];
  const downstreamPaths: string[] = [];

  beforeAll(async () => {
    dir = buildFixture();
    receiver = await startOtlpReceiver();
    downstream = createServer((request, response) => {
      request.resume();
      downstreamPaths.push(request.url ?? '');
      downstreamHeaders.push(request.headers);
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await receiver?.close();
    await new Promise((resolve) => downstream?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    receiver.clear();
    downstreamHeaders.length = 0;
    downstreamPaths.length = 0;
  });

  afterEach(() => {
    // Only the app's own outgoing call reached the downstream server: no OTLP metrics or logs.
    expect(downstreamPaths).toEqual(['/downstream']);
  });

  const otelEnv = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    // Metrics are Prometheus and logs go to stdout: whatever these say, nothing may be exported
    // (a MeterProvider would export at shutdown at the latest, to the downstream server here).
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '100',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${downstreamUrl}/v1/metrics`,
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${downstreamUrl}/v1/logs`,
    DOWNSTREAM_URL: downstreamUrl,
  });

  it(
    'traces incoming and outgoing HTTP, propagates W3C trace context and baggage, skips probes',
    async () => {
      const service = await startService(dir, {
        ...otelEnv(),
        OTEL_SERVICE_NAME: 'ingest-from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.name=loses-to-OTEL_SERVICE_NAME',
      });
      try {
        for (const path of ['/health/live', '/health/ready', '/metrics', '/metrics?x=1']) {
          expect((await fetch(`${service.url}${path}`)).status).toBe(200);
        }
        const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const callerSpanId = '00f067aa0ba902b7';
        const response = await fetch(`${service.url}/work`, {
          headers: { traceparent: `00-${callerTraceId}-${callerSpanId}-01`, baggage: 'workspace.id=w-1', 'x-test': 'yes' },
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: 204, test: 'yes', traceId: callerTraceId });

        const spans = await expectEventually(
          () => {
            const found = receiver.spans();
            expect(found.map((span) => span.kind).sort()).toEqual([2, 3]);
            return found;
          },
          { timeoutMs: 15_000, description: 'server and client spans exported' },
        );
        const server = spans.find((span) => span.kind === 2) as ReceivedSpan;
        const client = spans.find((span) => span.kind === 3) as ReceivedSpan;
        expect(server).toMatchObject({
          traceId: callerTraceId,
          parentSpanId: callerSpanId,
          serviceName: 'ingest-from-env',
          scopeName: '@opentelemetry/instrumentation-http',
          resourceAttributes: expect.objectContaining({ 'deployment.environment.name': 'test' }),
        });
        expect(server.name).toMatch(/^GET/);
        expect(client).toMatchObject({ traceId: callerTraceId, parentSpanId: server.spanId, serviceName: 'ingest-from-env' });

        expect(downstreamHeaders).toHaveLength(1);
        expect(downstreamHeaders[0]!.traceparent).toBe(`00-${callerTraceId}-${client.spanId}-01`);
        expect(downstreamHeaders[0]!.baggage).toContain('workspace.id=w-1');
      } finally {
        await service.stop();
      }
      // stop() waited for telemetry.shutdown(), which flushed every pending span: none came
      // from the probes or the scrapes.
      expect(receiver.spans()).toHaveLength(2);
    },
    60_000,
  );

  it(
    'uses the serviceName given in code when OTEL_SERVICE_NAME is unset',
    async () => {
      const service = await startService(dir, otelEnv());
      try {
        expect((await fetch(`${service.url}/work`)).status).toBe(200);
      } finally {
        await service.stop();
      }
      const spans = receiver.spans();
      expect(spans).toHaveLength(2);
      expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(['default-name']));
      const server = spans.find((span) => span.kind === 2);
      expect(server).toBeDefined();
      expect(server).not.toHaveProperty('parentSpanId');
    },
    60_000,
  );

  it(
    'does nothing with OTEL_SDK_DISABLED=true',
    async () => {
      const service = await startService(dir, { ...otelEnv(), OTEL_SDK_DISABLED: 'true' });
      try {
        expect((await fetch(`${service.url}/work`)).status).toBe(200);
      } finally {
        await service.stop();
      }
      expect(receiver.spans()).toEqual([]);
      expect(downstreamHeaders[0]?.traceparent).toBeUndefined();
    },
    60_000,
  );
});

describe('isUntracedIncomingRequest', () => {
  it.each([
    ['/health/live', true],
    ['/health/ready', true],
    ['/health', true],
    ['/metrics', true],
    ['/metrics?name[]=x', true],
    ['/healthz', false],
    ['/metrics-export', false],
    ['/leads', false],
    ['/api/leads?next=/health', false],
  ])('%s → %s', (url, expected) => {
    expect(isUntracedIncomingRequest({ url })).toBe(expected);
  });
});
