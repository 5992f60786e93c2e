import { Resolver } from 'node:dns/promises';
import DNS from 'dns2';
import { startDnsServer, type DnsServer } from './dns-server';

describe('startDnsServer', () => {
  let server: DnsServer;
  let resolver: Resolver;
  const mx = async (domain: string) => (await resolver.resolveMx(domain)).map(({ exchange, priority }) => ({ exchange, priority }));

  beforeAll(async () => {
    server = await startDnsServer({
      'initech.com': { mx: ['mx2.initech.com', 'mx1.initech.com'], a: ['192.0.2.10'], aaaa: ['2001:db8::10'] },
      'Weighted.Example': { mx: ['5 backup.weighted.example', '1 primary.weighted.example'] },
      'web-only.example': { a: ['192.0.2.20'] },
      'gone.example': { nxdomain: true },
      'null-mx.example': { mx: ['0 .'] },
      'slow.example': { hang: true },
    });
    resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([server.address]);
  });

  afterAll(() => server?.close());

  it('listens on 127.0.0.1, UDP and TCP on the same port', async () => {
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    const overTcp = await DNS.TCPClient({ dns: '127.0.0.1', port: server.port })('initech.com', 'MX');
    expect(overTcp.answers.map((answer) => answer.exchange)).toEqual(['mx2.initech.com', 'mx1.initech.com']);
    expect(server.queries.at(-1)).toEqual({ name: 'initech.com', type: 'MX', transport: 'tcp' });
  });

  it('answers MX, A and AAAA records, in the order given or by the preference given', async () => {
    expect(await mx('initech.com')).toEqual([
      { exchange: 'mx2.initech.com', priority: 10 },
      { exchange: 'mx1.initech.com', priority: 20 },
    ]);
    expect(await resolver.resolve4('INITECH.com')).toEqual(['192.0.2.10']);
    expect(await resolver.resolve6('initech.com')).toEqual(['2001:db8::10']);
    expect(await mx('weighted.example')).toEqual(
      expect.arrayContaining([
        { exchange: 'backup.weighted.example', priority: 5 },
        { exchange: 'primary.weighted.example', priority: 1 },
      ]),
    );
  });

  it('answers a null MX (RFC 7505) as an MX with an empty exchange', async () => {
    expect(await mx('null-mx.example')).toEqual([{ exchange: '', priority: 0 }]);
  });

  it('gives NODATA for a known name without records of the type, NXDOMAIN for an unknown or removed name', async () => {
    await expect(resolver.resolveMx('web-only.example')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(await resolver.resolve4('web-only.example')).toEqual(['192.0.2.20']);
    await expect(resolver.resolveMx('gone.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveMx('never-heard-of.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('never answers a hanging name: the client times out', async () => {
    const startedAt = Date.now();
    await expect(resolver.resolveMx('slow.example')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('changes answers with set() and counts the queries per name', async () => {
    server.set('later.example', { mx: ['mx.later.example'] });
    const before = server.queryCount('later.example');
    expect(await mx('later.example')).toEqual([{ exchange: 'mx.later.example', priority: 10 }]);
    server.set('later.example', { nxdomain: true });
    await expect(resolver.resolveMx('later.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(server.queryCount('LATER.example.')).toBe(before + 2);
    expect(server.queries.filter((query) => query.name === 'later.example')).toEqual([
      { name: 'later.example', type: 'MX', transport: 'udp' },
      { name: 'later.example', type: 'MX', transport: 'udp' },
    ]);
  });
});
