import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { ingestService } from './ingest.service';

start('ingest', telemetry, () => runService(ingestService, telemetry));
