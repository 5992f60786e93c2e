import { ipLiteralHost, isPublicAddress } from './target-address';

describe('isPublicAddress', () => {
  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '[2a00:1450:4001:82b::200e]'])('lets %s through', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.1.2.3'],
    ['this network', '0.0.0.0'],
    ['private 10/8', '10.0.0.5'],
    ['private 172.16/12', '172.31.255.1'],
    ['private 192.168/16', '192.168.1.1'],
    ['cloud metadata (link-local)', '169.254.169.254'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['multicast', '239.1.2.3'],
    ['broadcast', '255.255.255.255'],
    ['IPv6 loopback', '::1'],
    ['IPv6 loopback in brackets', '[::1]'],
    ['IPv6 unspecified', '::'],
    ['IPv6 unique local', 'fd12:3456:789a::1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, as URLs write it', '::ffff:7f00:1'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['not an address', 'example.com'],
  ])('refuses %s (%s)', (_, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('ipLiteralHost', () => {
  it('finds IP literals, with brackets removed, and nothing in a name', () => {
    expect(ipLiteralHost(new URL('http://127.0.0.1:8080/hook'))).toBe('127.0.0.1');
    expect(ipLiteralHost(new URL('http://[::1]/hook'))).toBe('::1');
    expect(ipLiteralHost(new URL('https://hooks.example.com/x'))).toBeUndefined();
  });

  it('sees through the spellings URLs normalise', () => {
    expect(ipLiteralHost(new URL('http://2130706433/'))).toBe('127.0.0.1');
    expect(ipLiteralHost(new URL('http://0x7f.1/'))).toBe('127.0.0.1');
  });
});
