import { disposableEmailBlocklist } from 'disposable-email-domains-js';
import freeEmailDomains from 'free-email-domains';
import type { DomainLists } from './email-class.rules';

/** Injection token of the domain lists. */
export const DOMAIN_LISTS = Symbol('DomainLists');

/**
 * The maintained lists shipped inside npm packages, read once at boot into Sets (nothing is
 * downloaded at run time): `disposable-email-domains-js` (disposable providers) and
 * `free-email-domains` (free mailbox providers: gmail.com, yahoo.com, outlook.com, …; it also
 * lists every disposable domain, so disposable is checked first).
 */
export function loadDomainLists(): DomainLists {
  const normalise = (domains: readonly string[]) => new Set(domains.map((domain) => domain.trim().toLowerCase()).filter(Boolean));
  return { disposable: normalise(disposableEmailBlocklist()), free: normalise(freeEmailDomains) };
}

export const domainListsProvider = { provide: DOMAIN_LISTS, useFactory: loadDomainLists };
