import { Global, Module } from '@nestjs/common';
import { IntakeService } from './intake.service';

/** The one intake path, shared by every channel. */
@Global()
@Module({ providers: [IntakeService], exports: [IntakeService] })
export class IntakeModule {}
