import { telemetry } from './telemetry';
import { runService, start } from '@leads/service';
import { notificationService } from './notification.service';

start('notification', telemetry, () => runService(notificationService, telemetry));
