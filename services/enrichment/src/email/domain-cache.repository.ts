import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InferredCompany } from '../company/company.rules';
import type { EmailClassName, MxStatusName } from './email-class.rules';

/** What the service knows about one email domain, for every address of it. */
export interface DomainFacts {
  readonly domain: string;
  readonly registrableDomain: string;
  /** dnsOutcomeLabel of the lookup. */
  readonly dnsOutcome: string;
  readonly mxStatus: MxStatusName;
  readonly mxHosts: readonly string[];
  readonly emailClass: EmailClassName;
  readonly company: InferredCompany | null;
}

interface DomainCacheRow {
  domain: string;
  registrable_domain: string;
  dns_outcome: string;
  mx_status: MxStatusName;
  mx_hosts: string[];
  email_class: EmailClassName;
  company_name: string | null;
  company_domain: string | null;
  company_confidence: number | null;
}

/**
 * The per-domain cache (`domain_cache`): one row per email domain with what DNS said and what
 * follows from it, until `expires_at`. Read and written outside the consumer's transaction (with
 * the DataSource's own connections): a DNS answer stays useful whatever becomes of the lead that
 * asked, and other leads of the domain see it at once.
 */
@Injectable()
export class DomainCacheRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(domain: string): Promise<DomainFacts | null> {
    const [row]: DomainCacheRow[] = await this.dataSource.query(
      `SELECT domain, registrable_domain, dns_outcome, mx_status, mx_hosts, email_class, company_name, company_domain, company_confidence
       FROM domain_cache WHERE domain = $1 AND expires_at > now()`,
      [domain],
    );
    if (!row) return null;
    return {
      domain: row.domain,
      registrableDomain: row.registrable_domain,
      dnsOutcome: row.dns_outcome,
      mxStatus: row.mx_status,
      mxHosts: row.mx_hosts,
      emailClass: row.email_class,
      company:
        row.company_name !== null && row.company_domain !== null && row.company_confidence !== null
          ? { name: row.company_name, domain: row.company_domain, confidence: row.company_confidence }
          : null,
    };
  }

  async save(facts: DomainFacts, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO domain_cache (domain, registrable_domain, dns_outcome, mx_status, mx_hosts, email_class,
                                 company_name, company_domain, company_confidence, looked_up_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now() + make_interval(secs => $10))
       ON CONFLICT (domain) DO UPDATE SET
         registrable_domain = EXCLUDED.registrable_domain, dns_outcome = EXCLUDED.dns_outcome,
         mx_status = EXCLUDED.mx_status, mx_hosts = EXCLUDED.mx_hosts, email_class = EXCLUDED.email_class,
         company_name = EXCLUDED.company_name, company_domain = EXCLUDED.company_domain,
         company_confidence = EXCLUDED.company_confidence, looked_up_at = EXCLUDED.looked_up_at, expires_at = EXCLUDED.expires_at`,
      [
        facts.domain,
        facts.registrableDomain,
        facts.dnsOutcome,
        facts.mxStatus,
        facts.mxHosts,
        facts.emailClass,
        facts.company?.name ?? null,
        facts.company?.domain ?? null,
        facts.company?.confidence ?? null,
        ttlSeconds,
      ],
    );
  }
}
