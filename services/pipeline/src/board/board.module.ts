import { Module } from '@nestjs/common';
import { BoardController } from './board.controller';
import { GetBoard } from './get-board.usecase';

@Module({ controllers: [BoardController], providers: [GetBoard] })
export class BoardModule {}
