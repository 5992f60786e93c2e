import type { Socket } from 'node:net';
import DNS from 'dns2';

const { Packet } = DNS;

/** What the test DNS server knows about one name. */
export interface DnsRecord {
  /** MX exchanges, most preferred first (`mx.example.com`, preference 10, 20, …), or `"<preference> <host>"`; `"0 ."` is a null MX (RFC 7505). */
  readonly mx?: readonly string[];
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  /** The name does not exist (as every name the server was not told about). */
  readonly nxdomain?: boolean;
  /** Never answers, over UDP or TCP: the client's timeout case. */
  readonly hang?: boolean;
}

export interface DnsQuery {
  /** Lower-case, without the trailing dot. */
  readonly name: string;
  /** `MX`, `A`, `AAAA`, … */
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export interface DnsServer {
  /** `127.0.0.1:<port>`, for `DNS_SERVERS` or `Resolver.setServers`. */
  readonly address: string;
  /** The port, the same for UDP and TCP. */
  readonly port: number;
  /** Every query received, oldest first. */
  readonly queries: readonly DnsQuery[];
  /** How many queries named `domain` (any type, any transport). */
  queryCount(domain: string): number;
  /** Adds or replaces what the server answers for `domain`. */
  set(domain: string, record: DnsRecord): void;
  close(): Promise<void>;
}

const TTL_SECONDS = 60;

/**
 * An authoritative-looking DNS server for tests, on a real socket (dns2): UDP and TCP on one port
 * of 127.0.0.1 (dns2 on port 0 would pick a different port for each). It answers MX, A and AAAA
 * from `records`; a known name without records of the asked type gets an empty NOERROR answer
 * (NODATA), an unknown name or one marked `nxdomain` gets NXDOMAIN, one marked `hang` gets no
 * answer at all. It counts the queries it receives.
 */
export async function startDnsServer(records: Record<string, DnsRecord> = {}): Promise<DnsServer> {
  const zone = new Map<string, DnsRecord>();
  const queries: DnsQuery[] = [];
  const set = (domain: string, record: DnsRecord) => zone.set(normalise(domain), record);
  for (const [domain, record] of Object.entries(records)) set(domain, record);

  const handler = (transport: DnsQuery['transport']): DNS.DnsHandler => (request, send) => {
    const [question] = request.questions;
    if (!question) return;
    const name = normalise(question.name);
    queries.push({ name, type: Packet.TYPE_NAME[question.type] ?? String(question.type), transport });
    const record = zone.get(name);
    if (record?.hang) return;
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    if (!record || record.nxdomain) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
    } else {
      response.answers.push(...answersFor(question, record));
    }
    // The UDP server's send returns a promise, the TCP server's nothing.
    void Promise.resolve(send(response)).catch(() => undefined);
  };

  const { udp, tcp, sockets } = await bindOnePort(handler);
  const port = udp.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    queryCount: (domain) => queries.filter((query) => query.name === normalise(domain)).length,
    set,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

function normalise(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '');
}

function answersFor(question: DNS.Packet.Question, record: DnsRecord): DNS.Packet.Resource[] {
  const base = { name: question.name, class: Packet.CLASS.IN, ttl: TTL_SECONDS };
  switch (question.type) {
    case Packet.TYPE.MX:
      return (record.mx ?? []).map((entry, index) => {
        const [preference, exchange] = /^\d+\s/.test(entry) ? entry.split(/\s+/) : [String((index + 1) * 10), entry];
        return { ...base, type: Packet.TYPE.MX, priority: Number(preference), exchange: exchange === '.' ? '' : exchange } as DNS.Packet.Resource;
      });
    case Packet.TYPE.A:
      return (record.a ?? []).map((address) => ({ ...base, type: Packet.TYPE.A, address }) as DNS.Packet.Resource);
    case Packet.TYPE.AAAA:
      return (record.aaaa ?? []).map((address) => ({ ...base, type: Packet.TYPE.AAAA, address }) as DNS.Packet.Resource);
    default:
      return [];
  }
}

/** UDP on a port the system picks, then TCP on the same port; another try when TCP finds it taken. */
async function bindOnePort(handler: (transport: DnsQuery['transport']) => DNS.DnsHandler) {
  for (let attempt = 1; ; attempt += 1) {
    const udp = DNS.createUDPServer(handler('udp'));
    await udp.listen(0, '127.0.0.1');
    const port = udp.address().port;
    const tcp = DNS.createTCPServer(handler('tcp'));
    const sockets = new Set<Socket>();
    tcp.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, sockets };
    } catch (error) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}
