import {
  ROOT_CONTEXT,
  SpanKind,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

export const tracer = trace.getTracer('@leads/messaging');

/** The W3C trace headers (`traceparent`, `tracestate`) of the current context. */
export function currentTraceHeaders(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

export function contextFromTraceHeaders(headers: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

export function startMessagingSpan(
  operation: 'send' | 'process',
  topic: string,
  parent: Context,
  attributes: Attributes,
): Span {
  return tracer.startSpan(
    `${operation} ${topic}`,
    {
      kind: operation === 'send' ? SpanKind.PRODUCER : SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': operation,
        'messaging.operation.name': operation,
        'messaging.destination.name': topic,
        ...attributes,
      },
    },
    parent,
  );
}
