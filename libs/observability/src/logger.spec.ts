import { Writable } from 'node:stream';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  StackContextManager,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { PinoNestLogger, createLogger } from './logger';

function memoryDestination(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  const contextManager = new StackContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const savedServiceName = process.env.OTEL_SERVICE_NAME;

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
  });

  afterAll(async () => {
    context.disable();
    await provider.shutdown();
  });

  afterEach(() => {
    if (savedServiceName === undefined) delete process.env.OTEL_SERVICE_NAME;
    else process.env.OTEL_SERVICE_NAME = savedServiceName;
  });

  it('stamps trace_id and span_id of the active recording span on every line, children included', () => {
    delete process.env.OTEL_SERVICE_NAME;
    const out = memoryDestination();
    const logger = createLogger({ name: 'scoring', destination: out.stream });
    const tracer = provider.getTracer('logger-spec');

    tracer.startActiveSpan('score lead', (span) => {
      logger.info('scoring');
      logger.child({ context: 'Worker' }).warn({ leadId: 'l-1' }, 'slow reply');
      span.end();
    });
    logger.info('after the span');

    const [spanData] = exporter.getFinishedSpans();
    expect(spanData).toBeDefined();
    const { traceId, spanId } = spanData!.spanContext();
    const [inSpan, inChild, after] = out.lines();
    expect(inSpan).toMatchObject({ level: 'info', msg: 'scoring', trace_id: traceId, span_id: spanId, trace_flags: '01' });
    expect(inChild).toMatchObject({ level: 'warn', context: 'Worker', leadId: 'l-1', trace_id: traceId, span_id: spanId });
    expect(after).not.toHaveProperty('trace_id');
    expect(after).not.toHaveProperty('span_id');
  });

  it('stamps the ids of a remote or non-recording span context (no SDK needed)', () => {
    const out = memoryDestination();
    const logger = createLogger({ name: 'ingest', destination: out.stream });
    const remote = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    context.with(trace.setSpan(ROOT_CONTEXT, remote), () => logger.info('inside'));
    expect(out.lines()[0]).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      trace_flags: '00',
    });
  });

  it('ignores an invalid span context', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream });
    context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })), () =>
      logger.info('x'),
    );
    expect(out.lines()[0]).not.toHaveProperty('trace_id');
  });

  it('writes the service name, an ISO time, a level label; OTEL_SERVICE_NAME wins over the name', () => {
    process.env.OTEL_SERVICE_NAME = 'scoring-e2e';
    const out = memoryDestination();
    createLogger({ name: 'scoring', destination: out.stream }).error('boom');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'error', service: 'scoring-e2e', msg: 'boom', pid: process.pid });
    expect(line?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('honours the level', () => {
    const out = memoryDestination();
    const logger = createLogger({ level: 'warn', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((line) => line.msg)).toEqual(['shown']);
  });
});

describe('PinoNestLogger', () => {
  function setup() {
    const out = memoryDestination();
    const nest = new PinoNestLogger(createLogger({ name: 'svc', level: 'trace', destination: out.stream }));
    return { nest, lines: out.lines };
  }

  it('maps Nest levels onto pino levels and the trailing string to context', () => {
    const { nest, lines } = setup();
    nest.log('Mapped {/health/live, GET} route', 'RouterExplorer');
    nest.warn('careful', 'Relay');
    nest.debug('details', 'Relay');
    nest.verbose('chatter', 'Relay');
    nest.fatal('dying', 'Main');
    expect(lines().map(({ level, msg, context: ctx }) => [level, msg, ctx])).toEqual([
      ['info', 'Mapped {/health/live, GET} route', 'RouterExplorer'],
      ['warn', 'careful', 'Relay'],
      ['debug', 'details', 'Relay'],
      ['trace', 'chatter', 'Relay'],
      ['fatal', 'dying', 'Main'],
    ]);
  });

  it('understands error(message, stack, context), error(message, stack) and error(Error)', () => {
    const { nest, lines } = setup();
    const failure = new Error('db down');
    nest.error('Unhandled', failure.stack, 'ExceptionsHandler');
    nest.error('Unhandled', failure.stack);
    nest.error(failure, 'Relay');
    nest.error('plain', 'Ctx');
    const [withContext, withoutContext, asError, plain] = lines();
    expect(withContext).toMatchObject({ level: 'error', msg: 'Unhandled', context: 'ExceptionsHandler', stack: failure.stack });
    expect(withoutContext).toMatchObject({ msg: 'Unhandled', stack: failure.stack });
    expect(withoutContext).not.toHaveProperty('context');
    expect(asError).toMatchObject({ msg: 'db down', context: 'Relay', err: { message: 'db down', type: 'Error' } });
    expect(plain).toMatchObject({ msg: 'plain', context: 'Ctx' });
    expect(plain).not.toHaveProperty('stack');
  });

  it('merges object messages, keeps extra params, skips undefined placeholders', () => {
    const { nest, lines } = setup();
    nest.log({ leadId: 'l-1', msg: 'moved' }, 'Pipeline');
    nest.log('with extras', { a: 1 }, 'Ctx');
    nest.log('placeholder', undefined, 'Ctx');
    const [object, extras, placeholder] = lines();
    expect(object).toMatchObject({ leadId: 'l-1', msg: 'moved', context: 'Pipeline' });
    expect(extras).toMatchObject({ msg: 'with extras', params: [{ a: 1 }], context: 'Ctx' });
    expect(placeholder).toMatchObject({ msg: 'placeholder', context: 'Ctx' });
    expect(placeholder).not.toHaveProperty('params');
  });

  it('does not format lines below the logger level', () => {
    const out = memoryDestination();
    const nest = new PinoNestLogger(createLogger({ level: 'info', destination: out.stream }));
    nest.debug('hidden');
    nest.verbose('hidden');
    expect(out.lines()).toEqual([]);
  });
});
