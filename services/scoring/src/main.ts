import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { scoringService } from './scoring.service';

start('scoring', telemetry, () => runService(scoringService, telemetry));
