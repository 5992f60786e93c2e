import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

export interface CreateLoggerOptions {
  /** Service name stamped on every line as `service`. OTEL_SERVICE_NAME, when set, wins (as for traces). */
  name?: string;
  /** A pino level (fatal|error|warn|info|debug|trace|silent). Defaults to LOG_LEVEL, then `info`. */
  level?: string;
  /** Where lines go; stdout (pino's default destination) when omitted. Tests pass a stream. */
  destination?: pino.DestinationStream;
}

/** Adds the active span's ids, so a log line can be found from a trace and a trace from a log line. */
function traceMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}

/**
 * A JSON logger: one line per entry with `level` (label), ISO `time`, `service`, `pid`, `hostname`,
 * `msg`, and `trace_id`/`span_id`/`trace_flags` of the span active when the line was written.
 * Child loggers (`logger.child({ context: 'Relay' })`) keep all of it.
 */
export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  const service = process.env.OTEL_SERVICE_NAME || options.name || 'unknown_service:node';
  const level = options.level ?? (process.env.LOG_LEVEL || 'info');
  return pino(
    {
      level,
      base: { service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceMixin,
    },
    options.destination,
  );
}

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const STACK_LINE = /\n\s+at /;

/**
 * Routes Nest's own logging (bootstrap, route mapping, unhandled exceptions, `new Logger(ctx)`)
 * through pino: `app.useLogger(new PinoNestLogger(logger))`, best with `bufferLogs: true` in
 * `NestFactory.create` so that bootstrap lines are not printed by the default logger first.
 *
 * Nest's calling convention is `(message, ...params, context?)`; for `error`, a string param that
 * looks like a stack trace is the stack. The context becomes a `context` field, an Error message
 * becomes `err` (pino's serializer), an object message is merged into the line.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(level: PinoLevel, message: unknown, optionalParams: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const params = optionalParams.filter((param) => param !== undefined);
    const fields: Record<string, unknown> = {};
    if (params.length > 0 && typeof params[params.length - 1] === 'string') {
      const last = params[params.length - 1] as string;
      if (!(level === 'error' || level === 'fatal') || !STACK_LINE.test(last) || params.length > 1) {
        fields.context = last;
        params.pop();
      }
    }
    if ((level === 'error' || level === 'fatal') && typeof params[0] === 'string' && STACK_LINE.test(params[0])) {
      fields.stack = params.shift();
    }
    if (params.length > 0) fields.params = params;

    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
    } else {
      msg = String(message);
    }
    this.logger[level](fields, msg);
  }
}
