import { classifyEmailDomain, dnsOutcomeLabel, mailStatusOf, mxHostsOf, type DomainLists, type MailDns } from './email-class.rules';
import { loadDomainLists } from './domain-lists.provider';

describe('mailStatusOf', () => {
  it.each<[string, MailDns, { mxStatus: string; mxHosts: string[]; undeliverable: boolean }]>([
    ['MX records', { outcome: 'mx', mxHosts: ['mx1.initech.com'] }, { mxStatus: 'valid', mxHosts: ['mx1.initech.com'], undeliverable: false }],
    ['a null MX', { outcome: 'null_mx' }, { mxStatus: 'none', mxHosts: [], undeliverable: true }],
    ['NXDOMAIN', { outcome: 'nxdomain' }, { mxStatus: 'none', mxHosts: [], undeliverable: true }],
    ['no MX but an A/AAAA record', { outcome: 'no_mx', hasAddress: true }, { mxStatus: 'none', mxHosts: [], undeliverable: false }],
    ['neither MX nor A/AAAA', { outcome: 'no_mx', hasAddress: false }, { mxStatus: 'none', mxHosts: [], undeliverable: true }],
    ['no MX, the address lookup unfinished', { outcome: 'no_mx', hasAddress: null }, { mxStatus: 'none', mxHosts: [], undeliverable: false }],
    ['a timeout', { outcome: 'timeout' }, { mxStatus: 'unknown', mxHosts: [], undeliverable: false }],
    ['a server failure', { outcome: 'error', code: 'ESERVFAIL' }, { mxStatus: 'unknown', mxHosts: [], undeliverable: false }],
  ])('%s', (_name, dns, expected) => {
    expect(mailStatusOf(dns)).toEqual(expected);
  });

  it('labels the outcomes for the metrics', () => {
    expect(dnsOutcomeLabel({ outcome: 'no_mx', hasAddress: true })).toBe('no_mx_address');
    expect(dnsOutcomeLabel({ outcome: 'no_mx', hasAddress: false })).toBe('no_mx_no_address');
    expect(dnsOutcomeLabel({ outcome: 'no_mx', hasAddress: null })).toBe('no_mx_address_unknown');
    expect(dnsOutcomeLabel({ outcome: 'error', code: 'EREFUSED' })).toBe('error');
  });
});

describe('mxHostsOf', () => {
  it('orders by preference, lower-cases, drops trailing dots, duplicates and null MX entries', () => {
    expect(
      mxHostsOf([
        { exchange: 'MX2.Initech.com.', priority: 20 },
        { exchange: 'mx1.initech.com', priority: 10 },
        { exchange: 'mx2.initech.com', priority: 30 },
        { exchange: '', priority: 0 },
      ]),
    ).toEqual(['mx1.initech.com', 'mx2.initech.com']);
    expect(mxHostsOf([{ exchange: '.', priority: 0 }])).toEqual([]);
  });
});

describe('classifyEmailDomain', () => {
  const lists: DomainLists = { disposable: new Set(['mailinator.com', 'trash.example.net']), free: new Set(['gmail.com', 'mailinator.com', 'yahoo.co.uk']) };

  it('is invalid when DNS proves the domain takes no mail, whatever the lists say', () => {
    expect(classifyEmailDomain('gmail.com', 'gmail.com', true, lists)).toBe('invalid');
    expect(classifyEmailDomain('initech.com', 'initech.com', true, lists)).toBe('invalid');
  });

  it('checks the disposable list first (free-provider lists include disposable domains), then free providers', () => {
    expect(classifyEmailDomain('mailinator.com', 'mailinator.com', false, lists)).toBe('disposable');
    expect(classifyEmailDomain('gmail.com', 'gmail.com', false, lists)).toBe('personal');
    expect(classifyEmailDomain('initech.com', 'initech.com', false, lists)).toBe('business');
  });

  it('matches a subdomain of a listed domain, down to the registrable domain only', () => {
    expect(classifyEmailDomain('mail.yahoo.co.uk', 'yahoo.co.uk', false, lists)).toBe('personal');
    expect(classifyEmailDomain('a.trash.example.net', 'example.net', false, lists)).toBe('disposable');
    expect(classifyEmailDomain('other.example.net', 'example.net', false, lists)).toBe('business');
  });

  it('uses the lists shipped in the npm packages', () => {
    const shipped = loadDomainLists();
    expect(shipped.free.size).toBeGreaterThan(1000);
    expect(shipped.disposable.size).toBeGreaterThan(1000);
    for (const domain of ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com']) {
      expect(classifyEmailDomain(domain, domain, false, shipped)).toBe('personal');
    }
    for (const domain of ['mailinator.com', 'guerrillamail.com', 'yopmail.com', '10minutemail.com']) {
      expect(classifyEmailDomain(domain, domain, false, shipped)).toBe('disposable');
    }
    expect(classifyEmailDomain('initech.com', 'initech.com', false, shipped)).toBe('business');
  });
});
