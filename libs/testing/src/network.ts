import { createServer } from 'node:net';

/**
 * Ports for the tests' servers come from below the kernel's ephemeral range (32768-60999 on Linux):
 * a port taken from that range (`listen(0)`) can be given to any outgoing connection, a Kafka or
 * PostgreSQL client of a test, between the moment it is found free and the moment the server binds
 * it (seen as EADDRINUSE). None of the machine's own services listen in this range.
 */
const TEST_PORTS = { from: 20_000, to: 28_999 };
/** Ports this process handed out already: two servers of one test run never get the same one. */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that is free on 127.0.0.1 right now, out of the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${TEST_PORTS.from} and ${TEST_PORTS.to}`);
}

/** The value of one Prometheus sample scraped from `metricsUrl`, or 0 when the series is absent. */
export async function readMetric(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length, line.lastIndexOf(' '));
    if (wanted.every((pair) => labelPart.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
