import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { pipelineService } from './pipeline.service';

start('pipeline', telemetry, () => runService(pipelineService, telemetry));
