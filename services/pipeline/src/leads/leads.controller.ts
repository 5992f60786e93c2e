import { InternalAuthGuard, Scope, ZodValidationPipe, notFound, type RequestScope } from '@leads/service';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { idParams } from '../shared/request.schema';
import { BulkMoveLeads } from './bulk-move-leads.usecase';
import { toLeadJson, type LeadJson } from './lead.entity';
import { findLead, historyOf } from './lead.repository';
import { bulkMoveBody, listLeadsQuery, moveLeadBody, type BulkMoveBody, type ListLeadsQuery, type MoveLeadBody } from './lead.schema';
import { ListLeads } from './list-leads.usecase';
import { MoveLead } from './move-lead.usecase';

@Controller('v1/leads')
@UseGuards(InternalAuthGuard)
export class LeadsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly listLeads: ListLeads,
    private readonly moveLead: MoveLead,
    private readonly bulkMoveLeads: BulkMoveLeads,
  ) {}

  @Get()
  list(@Scope() scope: RequestScope, @Query(new ZodValidationPipe(listLeadsQuery)) query: ListLeadsQuery) {
    return this.listLeads.execute(scope.workspaceId, query);
  }

  @Post('bulk')
  @HttpCode(200)
  bulk(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(bulkMoveBody)) body: BulkMoveBody) {
    return this.bulkMoveLeads.execute(scope, body);
  }

  @Get(':id')
  async get(@Scope() scope: RequestScope, @Param(new ZodValidationPipe(idParams)) { id }: { id: string }): Promise<LeadJson> {
    const lead = await findLead(this.dataSource, scope.workspaceId, id);
    if (!lead) throw notFound('Lead');
    return toLeadJson(lead);
  }

  @Get(':id/history')
  async history(@Scope() scope: RequestScope, @Param(new ZodValidationPipe(idParams)) { id }: { id: string }) {
    if (!(await findLead(this.dataSource, scope.workspaceId, id))) throw notFound('Lead');
    return { items: await historyOf(this.dataSource, scope.workspaceId, id) };
  }

  @Patch(':id')
  move(
    @Scope() scope: RequestScope,
    @Param(new ZodValidationPipe(idParams)) { id }: { id: string },
    @Body(new ZodValidationPipe(moveLeadBody)) body: MoveLeadBody,
  ): Promise<LeadJson> {
    return this.moveLead.execute(scope, id, body);
  }
}
