import { HttpModule } from '@nestjs/axios';
import { Global, Module } from '@nestjs/common';
import { Downstream } from './downstream';
import { InternalClient } from './internal-client';

/** Calls to the internal services. */
@Global()
@Module({
  imports: [HttpModule],
  providers: [InternalClient, Downstream],
  exports: [Downstream],
})
export class GatewayModule {}
