import 'reflect-metadata';
import { Writable } from 'node:stream';
import { Controller, Get, Inject, Injectable, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type pino from 'pino';
import { HealthChecks } from './health-checks';
import { PinoNestLogger, createLogger } from './logger';
import { defineCounter } from './metrics';
import { LOGGER, ObservabilityModule } from './observability.module';

/** A feature module that, like persistence or messaging, registers its readiness check. */
@Injectable()
class DatabaseProbe {
  static healthy = true;

  constructor(healthChecks: HealthChecks) {
    healthChecks.register('postgres', async () => {
      if (!DatabaseProbe.healthy) throw new Error('connection refused');
    });
  }
}

@Controller('leads')
class LeadsController {
  private readonly logger = new Logger(LeadsController.name);
  private readonly created = defineCounter({ name: 'leads_created_total', help: 'Leads created', labelNames: ['source'] });

  constructor(@Inject(LOGGER) private readonly pinoLogger: pino.Logger) {}

  @Get()
  list(): { items: string[] } {
    this.created.inc({ source: 'api' });
    this.logger.log('listing leads');
    this.pinoLogger.info({ count: 0 }, 'listed');
    return { items: [] };
  }
}

@Module({ controllers: [LeadsController], providers: [DatabaseProbe] })
class LeadsModule {}

function captureLogs(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('ObservabilityModule in a Fastify app', () => {
  let app: NestFastifyApplication;
  const logs = captureLogs();

  beforeAll(async () => {
    const logger = createLogger({ name: 'observability-spec', level: 'debug', destination: logs.stream });
    @Module({ imports: [ObservabilityModule.forRoot({ logger }), LeadsModule] })
    class AppModule {}

    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { bufferLogs: true });
    app.useLogger(app.get(PinoNestLogger));
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    DatabaseProbe.healthy = true;
  });

  const inject = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('GET /health/live answers 200 {status: ok}', async () => {
    const response = await inject('/health/live');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 with every registered check up', async () => {
    const response = await inject('/health/ready');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { postgres: 'up' } });
  });

  it('GET /health/ready answers 503 naming the failing check and its reason', async () => {
    DatabaseProbe.healthy = false;
    const response = await inject('/health/ready');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'error', checks: { postgres: 'down: connection refused' } });
  });

  it('GET /metrics serves the Prometheus text format with registered and default metrics', async () => {
    await inject('/leads');
    const response = await inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('# TYPE leads_created_total counter');
    expect(response.body).toContain('leads_created_total{source="api"} 1');
    expect(response.body).toContain('process_cpu_user_seconds_total');
    expect(response.body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('routes Nest logs and injected-logger logs through pino', async () => {
    await inject('/leads');
    const lines = logs.lines();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'listing leads', context: 'LeadsController', service: 'observability-spec' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'listed', count: 0 }));
    // Nest's own bootstrap lines, buffered until useLogger, then written by pino.
    expect(lines).toContainEqual(expect.objectContaining({ context: 'RoutesResolver' }));
    for (const line of lines) expect(typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time))).toBe(true);
  });

  it('exposes HealthChecks globally (a module that does not import ObservabilityModule injects it)', () => {
    expect(app.get(HealthChecks).names()).toEqual(['postgres']);
  });
});

describe('ObservabilityModule over a real socket', () => {
  let app: INestApplication;

  afterEach(async () => {
    await app?.close();
  });

  it('serves the probes on a listening port, with a default logger', async () => {
    @Module({ imports: [ObservabilityModule.forRoot({ logger: createLogger({ level: 'silent' }) })] })
    class BareModule {}
    app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: {} });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
