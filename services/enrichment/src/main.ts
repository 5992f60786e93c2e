import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { enrichmentService } from './enrichment.service';

start('enrichment', telemetry, () => runService(enrichmentService, telemetry));
