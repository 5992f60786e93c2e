// Imported first by main.ts: tracing must be set up before http and Nest are loaded.
import { startTelemetry } from '@leads/observability';

export const telemetry = startTelemetry({ serviceName: 'ingest' });
