import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { sequencesService } from './sequences.service';

start('sequences', telemetry, () => runService(sequencesService, telemetry));
