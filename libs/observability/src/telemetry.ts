/*
 * OpenTelemetry bootstrap (traces only).
 *
 * startTelemetry() MUST run before anything else in a service's main: before @nestjs/*, fastify,
 * http, kafkajs or any other instrumented module is imported. The http instrumentation patches
 * `http`/`https` when they are next required, and code that took a reference earlier stays
 * untraced. Compiled to CommonJS, `import` statements are hoisted above the module body, so keep
 * the call in its own file and import that file first:
 *
 *   // src/instrument.ts
 *   import { startTelemetry } from '@leads/observability';
 *   export const telemetry = startTelemetry({ serviceName: 'ingest' });
 *
 *   // src/main.ts
 *   import { telemetry } from './instrument'; // first import, nothing above it
 *   import { NestFactory } from '@nestjs/core';
 *   ...
 *   await app.close();
 *   await telemetry.shutdown(); // flush the last spans
 *
 * (or preload it: `node --require ./dist/services/ingest/src/instrument.js dist/.../main.js`).
 *
 * Configuration is the standard OTEL_* environment, read by NodeSDK itself:
 * OTEL_SDK_DISABLED, OTEL_SERVICE_NAME (wins over the serviceName given here),
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_EXPORTER (default otlp; none|console|zipkin),
 * OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT / _PROTOCOL (http/protobuf default, http/json, grpc) /
 * _HEADERS / _TIMEOUT, OTEL_BSP_* (batching), OTEL_TRACES_SAMPLER[_ARG], OTEL_PROPAGATORS
 * (default tracecontext,baggage: W3C traceparent/tracestate + baggage), OTEL_LOG_LEVEL (SDK
 * diagnostics), OTEL_NODE_RESOURCE_DETECTORS, span limits.
 *
 * Metrics are Prometheus (metrics.ts), never OpenTelemetry: no MeterProvider is created whatever
 * OTEL_METRICS_EXPORTER says. No logs are exported either (pino writes to stdout).
 */
import type { IncomingMessage } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  /** Default `service.name`; OTEL_SERVICE_NAME or a service.name in OTEL_RESOURCE_ATTRIBUTES win. */
  serviceName: string;
}

export interface Telemetry {
  /** Flushes pending spans and stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
}

/** Incoming requests that are never traced: probes and scrapes would drown the real traffic. */
const UNTRACED_PATHS = /^\/(?:health|metrics)(?:[/?#]|$)/;

export function isUntracedIncomingRequest(request: Pick<IncomingMessage, 'url'>): boolean {
  return UNTRACED_PATHS.test(request.url ?? '');
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const serviceNameFromEnv = process.env.OTEL_SERVICE_NAME?.trim() || undefined;
  const sdk = new NodeSDK({
    // Lowest-priority attributes: detected ones (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME,
    // host, process) are merged over them.
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName })),
    // Applied after detection: OTEL_SERVICE_NAME wins even when OTEL_NODE_RESOURCE_DETECTORS leaves out `env`.
    serviceName: serviceNameFromEnv,
    // No traceExporter/spanProcessors: NodeSDK builds them from OTEL_TRACES_EXPORTER,
    // OTEL_EXPORTER_OTLP_* and OTEL_BSP_*. No textMapPropagator: OTEL_PROPAGATORS, else W3C
    // trace context + baggage.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: isUntracedIncomingRequest,
      }),
    ],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('beforeExit', onBeforeExit);
      await sdk.shutdown();
    })();
    return stopping;
  };
  // A process that ends by running out of work (a script, a one-off job) still flushes its spans.
  const onBeforeExit = (): void => {
    void shutdown();
  };
  process.once('beforeExit', onBeforeExit);
  return { shutdown };
}
