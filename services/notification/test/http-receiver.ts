import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as it arrived. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path and query. */
  readonly url: string;
  /** Names lower-cased, as Node gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The body's exact bytes: what a signature is computed over. */
  readonly rawBody: Buffer;
  /** When the whole body had arrived. */
  readonly receivedAt: Date;
  /** The status it was answered with. */
  readonly status: number;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>/hook`: where to point a subscription. */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly ReceivedRequest[];
  /** From now on, answer these statuses in turn; the last one is repeated. */
  answer(...statuses: number[]): void;
  stop(): Promise<void>;
}

/**
 * A webhook endpoint for tests: a real node:http server on a free port of 127.0.0.1 that answers
 * scripted statuses (default 200) and records each request's method, headers, raw body and time.
 */
export async function startHttpReceiver(...statuses: number[]): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let script = statuses.length ? [...statuses] : [200];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = script.length > 1 ? script.shift()! : script[0];
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawBody: Buffer.concat(chunks),
        receivedAt: new Date(),
        status,
      });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `scripted failure ${status}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    answer: (...next: number[]) => {
      if (next.length === 0) throw new Error('answer(): give at least one status');
      script = [...next];
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
