// Imported first by main.ts: tracing must be set up before http, Nest and kafkajs are loaded.
import { startTelemetry } from '@leads/observability';

export const telemetry = startTelemetry({ serviceName: 'notification' });
