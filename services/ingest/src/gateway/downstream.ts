import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, type RequestScope } from '@leads/service';
import type { IngestConfig } from '../ingest.config';
import { InternalClient, type ForwardRequest } from './internal-client';

/** The internal services the gateway forwards to, by name. */
@Injectable()
export class Downstream {
  constructor(
    private readonly client: InternalClient,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
  ) {}

  enrichment<T>(scope: RequestScope, request: ForwardRequest): Promise<T> {
    return this.client.call<T>(this.config.ENRICHMENT_URL, scope, request);
  }

  scoring<T>(scope: RequestScope, request: ForwardRequest): Promise<T> {
    return this.client.call<T>(this.config.SCORING_URL, scope, request);
  }

  pipeline<T>(scope: RequestScope, request: ForwardRequest): Promise<T> {
    return this.client.call<T>(this.config.PIPELINE_URL, scope, request);
  }

  sequences<T>(scope: RequestScope, request: ForwardRequest): Promise<T> {
    return this.client.call<T>(this.config.SEQUENCES_URL, scope, request);
  }

  notification<T>(scope: RequestScope, request: ForwardRequest): Promise<T> {
    return this.client.call<T>(this.config.NOTIFICATION_URL, scope, request);
  }
}
