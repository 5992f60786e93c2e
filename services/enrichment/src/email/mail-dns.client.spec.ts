import { startDnsServer, type DnsServer } from '@leads/testing';
import type { EnrichmentConfig } from '../enrichment.config';
import { MailDnsClient } from './mail-dns.client';

describe('MailDnsClient (against the test DNS server)', () => {
  let server: DnsServer;
  let client: MailDnsClient;
  const timeoutMs = 300;

  beforeAll(async () => {
    server = await startDnsServer({
      'initech.com': { mx: ['20 mx2.initech.com', '10 MX1.Initech.com'] },
      'null-mx.example': { mx: ['0 .'], a: ['192.0.2.1'] },
      'web-only.example': { a: ['192.0.2.20'] },
      'v6-only.example': { aaaa: ['2001:db8::20'] },
      'empty.example': {},
      'slow.example': { hang: true },
    });
    client = new MailDnsClient({ DNS_SERVERS: [server.address], DNS_TIMEOUT_MS: timeoutMs, DNS_TRIES: 1 } as EnrichmentConfig);
  });

  afterAll(() => server?.close());

  it('reads MX hosts, most preferred first', async () => {
    expect(await client.lookup('initech.com')).toEqual({ outcome: 'mx', mxHosts: ['mx1.initech.com', 'mx2.initech.com'] });
    expect(server.queries.filter((query) => query.name === 'initech.com').map((query) => query.type)).toEqual(['MX']);
  });

  it('tells a null MX from MX hosts', async () => {
    expect(await client.lookup('null-mx.example')).toEqual({ outcome: 'null_mx' });
  });

  it('without MX, asks for A and AAAA records', async () => {
    expect(await client.lookup('web-only.example')).toEqual({ outcome: 'no_mx', hasAddress: true });
    expect(await client.lookup('v6-only.example')).toEqual({ outcome: 'no_mx', hasAddress: true });
    expect(await client.lookup('empty.example')).toEqual({ outcome: 'no_mx', hasAddress: false });
    expect(server.queries.filter((query) => query.name === 'empty.example').map((query) => query.type).sort()).toEqual(['A', 'AAAA', 'MX']);
  });

  it('reports NXDOMAIN without further queries', async () => {
    expect(await client.lookup('nowhere.example')).toEqual({ outcome: 'nxdomain' });
    expect(server.queryCount('nowhere.example')).toBe(1);
  });

  it('gives up at the deadline: a timeout, not an error', async () => {
    const startedAt = Date.now();
    expect(await client.lookup('slow.example')).toEqual({ outcome: 'timeout' });
    expect(Date.now() - startedAt).toBeLessThan(timeoutMs + 1_000);
  });

  it('reports a server that cannot be reached as a timeout or an error, never a throw', async () => {
    const closed = await startDnsServer();
    await closed.close();
    const unreachable = new MailDnsClient({ DNS_SERVERS: [closed.address], DNS_TIMEOUT_MS: timeoutMs, DNS_TRIES: 1 } as EnrichmentConfig);
    expect(['timeout', 'error']).toContain((await unreachable.lookup('initech.com')).outcome);
  });
});
