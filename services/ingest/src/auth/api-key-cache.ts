import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leads/service';
import type { IngestConfig } from '../ingest.config';

/** An API key as authentication needs it. */
export interface KnownApiKey {
  readonly id: string;
  readonly workspaceId: string;
  readonly secretHash: Buffer;
}

/** Bounds memory: keys are few, but the cache must not grow without limit. */
const MAX_ENTRIES = 10_000;

/**
 * Active API keys by prefix, kept for API_KEY_CACHE_SECONDS so a busy client's requests do not
 * each read the key from the database. A revocation on this replica takes effect at once
 * (`forget`); on other replicas within the cache time. Unknown prefixes are not cached.
 */
@Injectable()
export class ApiKeyCache {
  private readonly entries = new Map<string, { key: KnownApiKey; expiresAt: number }>();
  private readonly ttlMs: number;

  constructor(@Inject(SERVICE_CONFIG) config: IngestConfig) {
    this.ttlMs = config.API_KEY_CACHE_SECONDS * 1000;
  }

  get(prefix: string): KnownApiKey | undefined {
    const entry = this.entries.get(prefix);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.key;
    this.entries.delete(prefix);
    return undefined;
  }

  remember(prefix: string, key: KnownApiKey): void {
    if (this.ttlMs === 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(prefix, { key, expiresAt: Date.now() + this.ttlMs });
  }

  forget(keyId: string): void {
    for (const [prefix, entry] of this.entries) if (entry.key.id === keyId) this.entries.delete(prefix);
  }
}
