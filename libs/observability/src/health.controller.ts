import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HealthChecks, type ReadinessReport } from './health-checks';

/**
 * Liveness and readiness probes. Requests to /health/* are not traced (see telemetry.ts).
 * With a global route prefix, exclude these routes: `app.setGlobalPrefix('api', { exclude: ['health/(.*)', 'metrics'] })`.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly healthChecks: HealthChecks,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The process is up and serving HTTP. Checks no dependency: a restart would not fix one. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when every registered check is up, else 503 naming the ones that are down. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: unknown): Promise<ReadinessReport> {
    const report = await this.healthChecks.run();
    if (report.status !== 'ok') {
      this.adapterHost.httpAdapter.status(response, HttpStatus.SERVICE_UNAVAILABLE);
    }
    return report;
  }
}
