import { Module } from '@nestjs/common';
import { SequencePipelines } from './sequence-pipelines';
import { SequenceSenderController } from './sequence-sender.controller';
import { SequencesController } from './sequences.controller';
import { UnsubscribeController } from './unsubscribe.controller';

/** The public API of the sequences service, and the public unsubscribe link. */
@Module({ controllers: [SequencesController, SequenceSenderController, UnsubscribeController], providers: [SequencePipelines] })
export class SequencesModule {}
