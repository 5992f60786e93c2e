import { Module } from '@nestjs/common';
import { FormCaptureController } from './form-capture.controller';
import { FormCaptureUseCase } from './form-capture.usecase';
import { FormsController } from './forms.controller';
import { FormsUseCase } from './forms.usecase';

/** Web forms: per-workspace forms (public key, allowed origins, redirect) and their public capture. */
@Module({
  controllers: [FormsController, FormCaptureController],
  providers: [FormsUseCase, FormCaptureUseCase],
})
export class FormsModule {}
