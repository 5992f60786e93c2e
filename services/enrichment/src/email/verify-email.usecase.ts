import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leads/service';
import { inferCompany, type InferredCompany } from '../company/company.rules';
import type { EnrichmentConfig } from '../enrichment.config';
import { dnsLookups, domainCacheRequests } from '../shared/enrichment.metrics';
import { parseEmailAddress, type ValidEmailAddress } from './email-address.rules';
import { classifyEmailDomain, dnsOutcomeLabel, mailStatusOf, type DomainLists, type EmailClassName, type MailDns, type MxStatusName } from './email-class.rules';
import { DomainCacheRepository, type DomainFacts } from './domain-cache.repository';
import { DOMAIN_LISTS } from './domain-lists.provider';
import { MailDnsClient } from './mail-dns.client';

/** What enrichment learned about an email address. */
export interface EmailFacts {
  readonly syntaxValid: boolean;
  /** Lower-case ASCII domain; empty when the syntax is invalid. */
  readonly domain: string;
  readonly mxStatus: MxStatusName;
  readonly mxHosts: readonly string[];
  readonly emailClass: EmailClassName;
  readonly company: InferredCompany | null;
}

/** Everything that follows from a domain's DNS answer and the lists (pure). */
export function domainFactsOf(address: ValidEmailAddress, dns: MailDns, lists: DomainLists): DomainFacts {
  const { mxStatus, mxHosts, undeliverable } = mailStatusOf(dns);
  const emailClass = classifyEmailDomain(address.domain, address.registrableDomain, undeliverable, lists);
  return {
    domain: address.domain,
    registrableDomain: address.registrableDomain,
    dnsOutcome: dnsOutcomeLabel(dns),
    mxStatus,
    mxHosts,
    emailClass,
    company: inferCompany(emailClass, address.registrableDomain, address.domainLabel, mxStatus),
  };
}

/**
 * Email verification, classification and company inference. An address with invalid syntax is
 * `invalid` without a lookup. Otherwise the domain's facts come from the domain cache, or from
 * DNS once per TTL (`DOMAIN_CACHE_TTL_SECONDS`; a lookup that did not complete only for
 * `DOMAIN_CACHE_RETRY_TTL_SECONDS`). Concurrent leads of one uncached domain share one lookup.
 */
@Injectable()
export class VerifyEmail {
  private readonly inFlight = new Map<string, Promise<DomainFacts>>();

  constructor(
    private readonly cache: DomainCacheRepository,
    private readonly dns: MailDnsClient,
    @Inject(DOMAIN_LISTS) private readonly lists: DomainLists,
    @Inject(SERVICE_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  async execute(email: string): Promise<EmailFacts> {
    const address = parseEmailAddress(email);
    if (!address.valid) {
      return { syntaxValid: false, domain: '', mxStatus: 'unknown', mxHosts: [], emailClass: 'invalid', company: null };
    }
    const facts = await this.domainFacts(address);
    return {
      syntaxValid: true,
      domain: address.domain,
      mxStatus: facts.mxStatus,
      mxHosts: facts.mxHosts,
      emailClass: facts.emailClass,
      company: facts.company,
    };
  }

  private async domainFacts(address: ValidEmailAddress): Promise<DomainFacts> {
    const pending = this.inFlight.get(address.domain);
    if (pending) {
      domainCacheRequests.inc({ result: 'hit' });
      return pending;
    }
    const cached = await this.cache.find(address.domain);
    if (cached) {
      domainCacheRequests.inc({ result: 'hit' });
      return cached;
    }
    // Checked again: another lead of the domain may have started a lookup while we read the cache.
    const started = this.inFlight.get(address.domain);
    if (started) {
      domainCacheRequests.inc({ result: 'hit' });
      return started;
    }
    domainCacheRequests.inc({ result: 'miss' });
    const lookup = this.lookUp(address).finally(() => this.inFlight.delete(address.domain));
    this.inFlight.set(address.domain, lookup);
    return lookup;
  }

  private async lookUp(address: ValidEmailAddress): Promise<DomainFacts> {
    const dns = await this.dns.lookup(address.domain);
    dnsLookups.inc({ outcome: dnsOutcomeLabel(dns) });
    const facts = domainFactsOf(address, dns, this.lists);
    const complete = facts.mxStatus !== 'unknown' && dnsOutcomeLabel(dns) !== 'no_mx_address_unknown';
    await this.cache.save(facts, complete ? this.config.DOMAIN_CACHE_TTL_SECONDS : this.config.DOMAIN_CACHE_RETRY_TTL_SECONDS);
    return facts;
  }
}
