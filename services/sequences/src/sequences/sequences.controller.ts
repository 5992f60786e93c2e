import { InternalAuthGuard, ParseIdPipe, Scope, ZodValidationPipe, notFound, type RequestScope } from '@leads/service';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { retryingTransaction } from '@leads/persistence';
import { DataSource } from 'typeorm';
import { page } from '../shared/request.schema';
import { CreateSequence } from './create-sequence.usecase';
import { toSequenceJson, type SequenceJson } from './sequence.entity';
import { deleteSequence, findSequence, listSequences } from './sequence.repository';
import {
  createSequenceBody,
  listSequencesQuery,
  updateSequenceBody,
  type CreateSequenceBody,
  type ListSequencesQuery,
  type UpdateSequenceBody,
} from './sequence.schema';
import { UpdateSequence } from './update-sequence.usecase';

@Controller('v1/sequences')
@UseGuards(InternalAuthGuard)
export class SequencesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly createSequence: CreateSequence,
    private readonly updateSequence: UpdateSequence,
  ) {}

  @Post()
  create(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(createSequenceBody)) body: CreateSequenceBody): Promise<SequenceJson> {
    return this.createSequence.execute(scope, body);
  }

  /** Newest first. */
  @Get()
  async list(@Scope() scope: RequestScope, @Query(new ZodValidationPipe(listSequencesQuery)) query: ListSequencesQuery) {
    const rows = await listSequences(this.dataSource, scope.workspaceId, { status: query.status, after: query.cursor, limit: query.limit });
    return page(rows, query.limit, toSequenceJson, (row) => ({ at: row.created_at.toISOString(), id: row.id }));
  }

  @Get(':id')
  async get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string): Promise<SequenceJson> {
    const row = await findSequence(this.dataSource, scope.workspaceId, id);
    if (!row) throw notFound('Sequence');
    return toSequenceJson(row);
  }

  @Patch(':id')
  update(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Sequence')) id: string,
    @Body(new ZodValidationPipe(updateSequenceBody)) body: UpdateSequenceBody,
  ): Promise<SequenceJson> {
    return this.updateSequence.execute(scope, id, body);
  }

  /** With its enrolments and their send records; unsubscribes stay. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Sequence')) id: string): Promise<void> {
    if (!(await retryingTransaction(this.dataSource, (manager) => deleteSequence(manager, scope.workspaceId, id)))) throw notFound('Sequence');
  }
}
