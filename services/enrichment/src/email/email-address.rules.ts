import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';

/** A syntactically valid address, split into what enrichment works with. */
export interface ValidEmailAddress {
  readonly valid: true;
  readonly localPart: string;
  /** The domain part, lower-case, IDNs in their ASCII (punycode) form: what the MX lookup asks for. */
  readonly domain: string;
  /** The registrable domain (public-suffix aware): `mail.acme.co.uk` → `acme.co.uk`. */
  readonly registrableDomain: string;
  /** The registrable domain without its public suffix: `acme.co.uk` → `acme`. */
  readonly domainLabel: string;
}

export interface InvalidEmailAddress {
  readonly valid: false;
  /** Why, for logs and tests (not shown to users). */
  readonly reason: string;
}

export type EmailAddress = ValidEmailAddress | InvalidEmailAddress;

// RFC 5322 dot-atom (atext), plus any non-ASCII character (RFC 6531 internationalised local parts).
// Quoted local parts and address literals (`user@[192.0.2.1]`) are not accepted: no lead form
// produces them and mail systems reject most of them.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const invalid = (reason: string): InvalidEmailAddress => ({ valid: false, reason });

/**
 * The syntax check: one `@`, a dot-atom local part of at most 64 characters, and a domain of at
 * least two LDH labels (IDNs converted to punycode), at most 253 characters, whose registrable
 * domain exists under the Public Suffix List rules (`user@co.uk` and `user@localhost` are invalid).
 */
export function parseEmailAddress(raw: string): EmailAddress {
  const address = raw.trim();
  if (address.length === 0) return invalid('empty');
  if (address.length > 254) return invalid('longer than 254 characters');
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return invalid('no local part or no domain');
  const localPart = address.slice(0, at);
  const rawDomain = address.slice(at + 1);
  if (localPart.length > 64) return invalid('local part longer than 64 characters');
  if (!LOCAL_PART.test(localPart)) return invalid('local part is not a dot-atom');
  if (rawDomain.startsWith('[')) return invalid('address literals are not accepted');

  const domain = domainToASCII(rawDomain.replace(/\.$/, '')).toLowerCase();
  if (domain.length === 0 || domain.length > 253) return invalid('the domain is not a valid host name');
  const labels = domain.split('.');
  if (labels.length < 2) return invalid('the domain has a single label');
  if (!labels.every((label) => LABEL.test(label))) return invalid('the domain has an invalid label');
  if (/^\d+$/.test(labels.at(-1)!)) return invalid('the domain is an IP address or has a numeric top-level label');

  const parsed = parseDomain(domain);
  if (parsed.isIp || !parsed.domain || !parsed.domainWithoutSuffix) return invalid('the domain is a public suffix');
  return { valid: true, localPart, domain, registrableDomain: parsed.domain, domainLabel: parsed.domainWithoutSuffix };
}

/** `a.b.acme.co.uk` with registrable `acme.co.uk` → `a.b.acme.co.uk`, `b.acme.co.uk`, `acme.co.uk`. */
export function domainAndParents(domain: string, registrableDomain: string): string[] {
  const names = [domain];
  let name = domain;
  while (name !== registrableDomain && name.includes('.')) {
    name = name.slice(name.indexOf('.') + 1);
    names.push(name);
  }
  return names;
}
