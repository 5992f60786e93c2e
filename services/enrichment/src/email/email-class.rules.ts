import { domainAndParents } from './email-address.rules';

/**
 * What DNS said about a mail domain:
 * - `mx`: MX records (hosts lower-case, most preferred first);
 * - `null_mx`: only a null MX (RFC 7505: "this domain accepts no mail");
 * - `no_mx`: the name exists without MX records; `hasAddress` tells whether it has A/AAAA
 *   records (an implicit MX, RFC 5321 §5.1), null when that lookup could not complete;
 * - `nxdomain`: the name does not exist;
 * - `timeout` / `error`: the lookup could not complete (no answer in time; SERVFAIL, REFUSED, …).
 */
export type MailDns =
  | { readonly outcome: 'mx'; readonly mxHosts: readonly string[] }
  | { readonly outcome: 'null_mx' }
  | { readonly outcome: 'no_mx'; readonly hasAddress: boolean | null }
  | { readonly outcome: 'nxdomain' }
  | { readonly outcome: 'timeout' }
  | { readonly outcome: 'error'; readonly code: string };

export type MxStatusName = 'valid' | 'none' | 'unknown';
export type EmailClassName = 'business' | 'personal' | 'disposable' | 'invalid';

/** The label of the DNS outcomes counter: `mx`, `null_mx`, `no_mx_address`, `no_mx_no_address`, `no_mx_address_unknown`, `nxdomain`, `timeout`, `error`. */
export function dnsOutcomeLabel(dns: MailDns): string {
  if (dns.outcome !== 'no_mx') return dns.outcome;
  return dns.hasAddress === null ? 'no_mx_address_unknown' : dns.hasAddress ? 'no_mx_address' : 'no_mx_no_address';
}

/**
 * The MX status, and whether DNS proves the domain cannot receive mail (then the address is
 * `invalid`): no MX and no A/AAAA record, a non-existent name, or a null MX. A domain without MX
 * but with an address record has `none` and stays valid; a lookup that did not complete is
 * `unknown` and proves nothing.
 */
export function mailStatusOf(dns: MailDns): { mxStatus: MxStatusName; mxHosts: readonly string[]; undeliverable: boolean } {
  switch (dns.outcome) {
    case 'mx':
      return { mxStatus: 'valid', mxHosts: dns.mxHosts, undeliverable: false };
    case 'null_mx':
    case 'nxdomain':
      return { mxStatus: 'none', mxHosts: [], undeliverable: true };
    case 'no_mx':
      return { mxStatus: 'none', mxHosts: [], undeliverable: dns.hasAddress === false };
    case 'timeout':
    case 'error':
      return { mxStatus: 'unknown', mxHosts: [], undeliverable: false };
  }
}

/** The maintained domain lists, loaded once: disposable providers and free mailbox providers. */
export interface DomainLists {
  readonly disposable: ReadonlySet<string>;
  readonly free: ReadonlySet<string>;
}

/**
 * The class of a syntactically valid address: `invalid` when DNS proves the domain takes no
 * mail, else `disposable`, `personal` (free provider) or `business`. The lists are checked for
 * the domain and each parent up to the registrable domain (`mail.yahoo.co.uk` is Yahoo), the
 * disposable list first: the free-provider list includes every disposable domain too.
 */
export function classifyEmailDomain(domain: string, registrableDomain: string, undeliverable: boolean, lists: DomainLists): EmailClassName {
  if (undeliverable) return 'invalid';
  const names = domainAndParents(domain, registrableDomain);
  if (names.some((name) => lists.disposable.has(name))) return 'disposable';
  if (names.some((name) => lists.free.has(name))) return 'personal';
  return 'business';
}

/** MX answers → the hosts, most preferred first, lower-case, without the trailing dot; a null MX (`.`) is no host. */
export function mxHostsOf(records: readonly { exchange: string; priority: number }[]): string[] {
  const hosts = [...records]
    .sort((a, b) => a.priority - b.priority)
    .map((record) => record.exchange.toLowerCase().replace(/\.$/, ''))
    .filter((host) => host.length > 0);
  return [...new Set(hosts)];
}
