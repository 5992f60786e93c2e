import { domainAndParents, parseEmailAddress } from './email-address.rules';

describe('parseEmailAddress', () => {
  it.each([
    ['bill@initech.com', 'initech.com', 'initech.com', 'initech'],
    ['  Bill.Lumbergh@Initech.COM ', 'initech.com', 'initech.com', 'initech'],
    ['ops+leads@mail.acme-widgets.co.uk', 'mail.acme-widgets.co.uk', 'acme-widgets.co.uk', 'acme-widgets'],
    ["o'brien@example.org", 'example.org', 'example.org', 'example'],
    ['kontakt@bücher.de', 'xn--bcher-kva.de', 'xn--bcher-kva.de', 'xn--bcher-kva'],
    ['user@example.com.', 'example.com', 'example.com', 'example'],
    ['zoë@example.com', 'example.com', 'example.com', 'example'],
  ])('accepts %s (domain %s, registrable %s)', (raw, domain, registrableDomain, domainLabel) => {
    expect(parseEmailAddress(raw)).toMatchObject({ valid: true, domain, registrableDomain, domainLabel });
  });

  it.each([
    [''],
    ['not-an-email'],
    ['@initech.com'],
    ['bill@'],
    ['bill@@initech.com'],
    ['bill@initech'],
    ['bill@localhost'],
    ['bill@co.uk'],
    ['bill..lumbergh@initech.com'],
    ['.bill@initech.com'],
    ['bill.@initech.com'],
    ['bill lumbergh@initech.com'],
    ['"bill"@initech.com'],
    ['bill@[192.0.2.1]'],
    ['bill@192.0.2.1'],
    ['bill@-initech.com'],
    ['bill@initech-.com'],
    ['bill@init_ech.com'],
    ['bill@initech..com'],
    [`${'a'.repeat(65)}@initech.com`],
    [`bill@${'a'.repeat(64)}.com`],
    [`bill@${'abcdefghi.'.repeat(26)}com`],
  ])('rejects %j', (raw) => {
    expect(parseEmailAddress(raw).valid).toBe(false);
  });
});

describe('domainAndParents', () => {
  it('lists the domain and its parents down to the registrable domain', () => {
    expect(domainAndParents('a.b.acme.co.uk', 'acme.co.uk')).toEqual(['a.b.acme.co.uk', 'b.acme.co.uk', 'acme.co.uk']);
    expect(domainAndParents('gmail.com', 'gmail.com')).toEqual(['gmail.com']);
  });
});
