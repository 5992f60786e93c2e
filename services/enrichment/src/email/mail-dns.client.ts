import { Resolver } from 'node:dns/promises';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leads/service';
import type { EnrichmentConfig } from '../enrichment.config';
import { mxHostsOf, type MailDns } from './email-class.rules';

/** c-ares codes for "the name does not exist" and "the name exists without records of this type". */
const NXDOMAIN = 'ENOTFOUND';
const NODATA = 'ENODATA';
/** Our deadline cancelled the queries, or c-ares gave up waiting itself. */
const TIMED_OUT = new Set(['ECANCELLED', 'ETIMEOUT']);

type Answer<T> = { ok: true; value: T } | { ok: false; code: string };

/**
 * Asks DNS how a domain receives mail: its MX records, and when it has none, whether it has an
 * A/AAAA record (an implicit MX). Node's c-ares resolver, on `DNS_SERVERS` (or the system's).
 * Each lookup gets a resolver of its own, so that its deadline (`DNS_TIMEOUT_MS` per step) can
 * cancel exactly its queries; within it, `DNS_TRIES` queries per server.
 */
@Injectable()
export class MailDnsClient {
  private readonly servers: readonly string[] | undefined;
  private readonly timeoutMs: number;
  private readonly tries: number;

  constructor(@Inject(SERVICE_CONFIG) config: EnrichmentConfig) {
    this.servers = config.DNS_SERVERS;
    this.timeoutMs = config.DNS_TIMEOUT_MS;
    this.tries = config.DNS_TRIES;
  }

  async lookup(domain: string): Promise<MailDns> {
    // c-ares waits about twice its `timeout` per try; this spreads the tries over the deadline.
    const resolver = new Resolver({ timeout: Math.max(1, Math.floor(this.timeoutMs / (2 * this.tries))), tries: this.tries });
    if (this.servers) resolver.setServers(this.servers);

    const mx = await this.step(resolver, () => answer(resolver.resolveMx(domain)));
    if (mx.ok) {
      const mxHosts = mxHostsOf(mx.value);
      return mxHosts.length > 0 ? { outcome: 'mx', mxHosts } : { outcome: 'null_mx' };
    }
    if (mx.code === NXDOMAIN) return { outcome: 'nxdomain' };
    if (TIMED_OUT.has(mx.code)) return { outcome: 'timeout' };
    if (mx.code !== NODATA) return { outcome: 'error', code: mx.code };

    const [v4, v6] = await this.step(resolver, () => Promise.all([answer(resolver.resolve4(domain)), answer(resolver.resolve6(domain))]));
    const found = (result: Answer<string[]>) => result.ok && result.value.length > 0;
    const absent = (result: Answer<string[]>) => (result.ok && result.value.length === 0) || (!result.ok && (result.code === NODATA || result.code === NXDOMAIN));
    const hasAddress = found(v4) || found(v6) ? true : absent(v4) && absent(v6) ? false : null;
    return { outcome: 'no_mx', hasAddress };
  }

  /** Runs one step of queries; at the deadline, cancels what is still pending (→ ECANCELLED). */
  private async step<T>(resolver: Resolver, queries: () => Promise<T>): Promise<T> {
    const deadline = setTimeout(() => resolver.cancel(), this.timeoutMs);
    try {
      return await queries();
    } finally {
      clearTimeout(deadline);
    }
  }
}

async function answer<T>(query: Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await query };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    return { ok: false, code };
  }
}
