import { domainToUnicode } from 'node:url';
import type { EmailClassName, MxStatusName } from '../email/email-class.rules';

export interface InferredCompany {
  readonly name: string;
  /** The registrable domain of the email address. */
  readonly domain: string;
  /** 0..1: how sure the name is. */
  readonly confidence: number;
}

/**
 * How much the company guess is worth: a domain that receives mail is most likely a real
 * organisation's; one with only a web address less so; one whose DNS could not be read least.
 * It stays a guess from a domain name, hence well below 1.
 */
export const COMPANY_CONFIDENCE: Record<MxStatusName, number> = { valid: 0.6, none: 0.4, unknown: 0.3 };

/**
 * The company behind a business address, from the registrable domain's label:
 * `initech.com` → Initech, `acme-widgets.co.uk` → Acme Widgets. Only for `business` addresses
 * (a Gmail user does not work for Google).
 */
export function inferCompany(emailClass: EmailClassName, registrableDomain: string, domainLabel: string, mxStatus: MxStatusName): InferredCompany | null {
  if (emailClass !== 'business') return null;
  const name = humaniseDomainLabel(domainLabel);
  if (!name) return null;
  return { name, domain: registrableDomain, confidence: COMPANY_CONFIDENCE[mxStatus] };
}

/** `acme-widgets` → `Acme Widgets`, `big_co` → `Big Co`, `xn--mnchen-3ya` → `München`, `3m` → `3m`. */
export function humaniseDomainLabel(label: string): string {
  const unicode = label.startsWith('xn--') ? domainToUnicode(label) || label : label;
  return unicode
    .split(/[-_.]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toLocaleUpperCase('en') + word.slice(1))
    .join(' ');
}
