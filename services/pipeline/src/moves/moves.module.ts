import { Module } from '@nestjs/common';
import { RecordMoves } from './record-moves.usecase';

@Module({ providers: [RecordMoves], exports: [RecordMoves] })
export class MovesModule {}
