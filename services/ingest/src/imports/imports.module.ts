import { Module } from '@nestjs/common';
import { LeadsModule } from '../leads/leads.module';
import { ImportJobsWorker } from './import-jobs.worker';
import { ImportsController } from './imports.controller';
import { ImportsStore } from './imports.store';
import { RunImportUseCase } from './run-import.usecase';
import { UploadImportUseCase } from './upload-import.usecase';

/** CSV import: upload (checked while streamed to disk), durable jobs run by a worker in the gateway, progress and error reports. */
@Module({
  imports: [LeadsModule],
  controllers: [ImportsController],
  providers: [ImportsStore, UploadImportUseCase, RunImportUseCase, ImportJobsWorker],
})
export class ImportsModule {}
