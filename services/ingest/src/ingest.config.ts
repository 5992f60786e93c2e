import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

export const ingestSettings = {
  PIPELINE_URL: z.url().default('http://127.0.0.1:3005'),
  /** Where the public URLs (webhook and form endpoints) point. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
};

export type IngestConfig = ServiceConfig & z.infer<z.ZodObject<typeof ingestSettings>>;
