import { InternalAuthGuard, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { idParams } from '../shared/request.schema';
import { boardQuery, columnParams, columnQuery, type BoardQuery, type ColumnQuery } from './board.schema';
import { GetBoard } from './get-board.usecase';

@Controller('v1/pipelines/:id/board')
@UseGuards(InternalAuthGuard)
export class BoardController {
  constructor(private readonly getBoard: GetBoard) {}

  /** Every column with its count and first `limit` cards (default 20). */
  @Get()
  board(@Scope() scope: RequestScope, @Param(new ZodValidationPipe(idParams)) { id }: { id: string }, @Query(new ZodValidationPipe(boardQuery)) query: BoardQuery) {
    return this.getBoard.board(scope.workspaceId, id, query);
  }

  /** One column's next page: pass the column's `nextCursor` (and the same filters). */
  @Get('stages/:stageId')
  column(
    @Scope() scope: RequestScope,
    @Param(new ZodValidationPipe(columnParams)) params: { id: string; stageId: string },
    @Query(new ZodValidationPipe(columnQuery)) query: ColumnQuery,
  ) {
    return this.getBoard.column(scope.workspaceId, params.id, params.stageId, query);
  }
}
