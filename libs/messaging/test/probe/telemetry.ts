// Imported first by probe.main.ts: tracing must be set up before http and Nest are loaded.
import { startTelemetry } from '@leads/observability';

export const telemetry = startTelemetry({ serviceName: `probe-${process.env.PROBE_ROLE ?? 'service'}` });
