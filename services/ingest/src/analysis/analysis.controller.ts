import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { z } from 'zod';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { ApiJsonBody, ApiJsonResponse } from '../gateway/openapi';
import { RequestAnalysis } from './request-analysis.usecase';

const reason = z.string().max(500).optional();
const retrySchema = z.strictObject({ reason }).optional();
const bulkRetrySchema = z.strictObject({ leadIds: z.array(z.uuid({ error: 'must be a lead id' })).min(1).max(1000), reason });

@ApiTags('Leads')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/leads')
export class AnalysisController {
  constructor(private readonly analysis: RequestAnalysis) {}

  @Post('retry-failed')
  @HttpCode(202)
  @ApiJsonBody(z.strictObject({ reason }), 'Optional: why (kept with the request).')
  @ApiJsonResponse(202, '`{requested}`: how many failed leads of the workspace were sent for a new AI analysis (leads that failed at enrichment are left out).')
  retryFailed(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(retrySchema)) body: z.infer<typeof retrySchema>) {
    return this.analysis.retryFailed(scope, body?.reason);
  }

  @Post('retry-analysis')
  @HttpCode(202)
  @ApiJsonBody(bulkRetrySchema, 'The leads (at most 1000) to analyse again; optional: why.')
  @ApiJsonResponse(202, '`{requested, results: [{leadId, status: requested|not_found}]}`: a result per lead id, in the order given (duplicates once).')
  retryMany(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(bulkRetrySchema)) body: z.infer<typeof bulkRetrySchema>) {
    return this.analysis.retryMany(scope, body.leadIds, body.reason);
  }

  @Post(':id/retry-analysis')
  @HttpCode(202)
  @ApiJsonBody(z.strictObject({ reason }), 'Optional: why (kept with the request).')
  @ApiJsonResponse(202, '`{leadId, requested: 1}`: a new AI analysis was requested; the lead shows `scored` or `failed` once it is done.')
  retryAnalysis(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Lead')) id: string,
    @Body(new ZodValidationPipe(retrySchema)) body: z.infer<typeof retrySchema>,
  ) {
    return this.analysis.retryOne(scope, id, body?.reason);
  }
}
