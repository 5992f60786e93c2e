import { InternalAuthGuard, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { idParams } from '../shared/request.schema';
import { funnelQuery, type FunnelQuery } from './funnel.schema';
import { GetFunnel, type FunnelJson } from './get-funnel.usecase';

@Controller('v1/pipelines/:id/funnel')
@UseGuards(InternalAuthGuard)
export class FunnelController {
  constructor(private readonly getFunnel: GetFunnel) {}

  /**
   * `?from&to&source`. The cohort is the leads now in the pipeline, created at or after `from`
   * and before `to` (a date-only `to` includes that day, UTC), of `source` when given.
   * Per step (the open stages in position order, then Win; Lost listed last):
   * - `reached`: a lead counts for each open stage up to the furthest it reached (by stage
   *   position, from its history) and every lead for the first one; a won lead counts for every
   *   open stage and for Win; a lost lead for the open stages it reached. Win: the won leads.
   * - `conversionRate`: reached / reached of the previous step (null for the first).
   * - `medianSecondsInStage`: median duration of the completed stays in the stage.
   * Totals: `{leads, won, winRate, lost, lostRate}`, rates as fractions of `leads`.
   */
  @Get()
  funnel(@Scope() scope: RequestScope, @Param(new ZodValidationPipe(idParams)) { id }: { id: string }, @Query(new ZodValidationPipe(funnelQuery)) query: FunnelQuery): Promise<FunnelJson> {
    return this.getFunnel.execute(scope.workspaceId, id, query);
  }
}
