import { publicAddressOf } from './ip-address.rules';

describe('publicAddressOf', () => {
  it.each([
    ['8.8.8.8', { address: '8.8.8.8', family: 4 }],
    [' 1.1.1.1 ', { address: '1.1.1.1', family: 4 }],
    ['2001:4860:4860::8888', { address: '2001:4860:4860::8888', family: 6 }],
    ['2606:4700:4700::1111', { address: '2606:4700:4700::1111', family: 6 }],
    ['::ffff:8.8.8.8', { address: '8.8.8.8', family: 4 }],
    ['::ffff:808:808', { address: '8.8.8.8', family: 4 }],
    ['64:ff9b::808:808', { address: '8.8.8.8', family: 4 }],
    ['172.32.0.1', { address: '172.32.0.1', family: 4 }],
    ['100.128.0.1', { address: '100.128.0.1', family: 4 }],
  ])('%s is public', (raw, expected) => {
    expect(publicAddressOf(raw)).toEqual(expected);
  });

  it.each([
    '',
    'not an ip',
    '999.1.1.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '100.64.0.1',
    '127.0.0.1',
    '169.254.10.20',
    '0.0.0.0',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '198.18.0.1',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '2001:db8::1',
    '2001::1',
    '3fff::1',
    '::ffff:10.0.0.1',
    '::ffff:c0a8:101',
    '64:ff9b::a00:1',
  ])('%j gives no location', (raw) => {
    expect(publicAddressOf(raw)).toBeNull();
  });
});
