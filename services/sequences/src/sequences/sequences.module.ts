import { Module } from '@nestjs/common';
import { CreateSequence } from './create-sequence.usecase';
import { SequencesController } from './sequences.controller';
import { UpdateSequence } from './update-sequence.usecase';

@Module({ controllers: [SequencesController], providers: [CreateSequence, UpdateSequence] })
export class SequencesModule {}
