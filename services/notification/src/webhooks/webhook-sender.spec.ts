import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESPONSE_EXCERPT_BYTES, USER_AGENT, sendWebhook } from './webhook-sender';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('sendWebhook (against a real HTTP server on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  const received: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
        handler(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
  });

  const send = (path = '/hook', settings: Partial<Parameters<typeof sendWebhook>[1]> = {}) =>
    sendWebhook({ url: `${base}${path}`, body: '{"id":"e-1"}', headers: { 'x-500leads-signature': 't=1,v1=00' } }, { timeoutMs: 2000, allowPrivateTargets: true, ...settings });

  it('POSTs the body as JSON with the given headers, and a 2xx is delivered', async () => {
    handler = (_, response) => response.writeHead(204).end();
    const result = await send();
    expect(result).toMatchObject({ outcome: 'delivered', statusCode: 204, error: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(received).toHaveLength(1);
    expect(received[0].body).toBe('{"id":"e-1"}');
    expect(received[0].headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT, 'x-500leads-signature': 't=1,v1=00' });
  });

  it('takes any other status as a failure, keeping the start of the answer', async () => {
    handler = (_, response) => response.writeHead(500, { 'content-type': 'text/plain' }).end('database down');
    expect(await send()).toMatchObject({ outcome: 'http_error', statusCode: 500, error: 'the endpoint answered HTTP 500', responseBody: 'database down' });
  });

  it('does not follow redirects', async () => {
    handler = (request, response) => (request.url === '/hook' ? response.writeHead(307, { location: `${base}/elsewhere` }).end() : response.writeHead(200).end());
    expect(await send()).toMatchObject({ outcome: 'http_error', statusCode: 307 });
    expect(received.map((request) => request.url)).toEqual(['/hook']);
  });

  it('reads at most a KiB of the answer, without waiting for the rest', async () => {
    handler = (_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('x'.repeat(64 * 1024));
      // The rest never comes: the read must stop at the bound, not wait for the end.
    };
    const result = await send();
    expect(result.outcome).toBe('delivered');
    expect(result.responseBody).toHaveLength(RESPONSE_EXCERPT_BYTES);
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    handler = () => undefined;
    const result = await send('/hook', { timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: 'timeout', statusCode: null, error: 'no complete answer within 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await sendWebhook({ url: `http://127.0.0.1:${port}/`, body: '{}', headers: {} }, { timeoutMs: 2000, allowPrivateTargets: true });
    expect(result).toMatchObject({ outcome: 'network_error', error: 'the connection was refused' });
  });

  it('refuses loopback and private targets unless allowed, by address and by name, before any connection', async () => {
    handler = (_, response) => response.writeHead(200).end();
    const literal = await send('/hook', { allowPrivateTargets: false });
    expect(literal).toMatchObject({ outcome: 'refused_target', statusCode: null });
    const port = new URL(base).port;
    const byName = await sendWebhook({ url: `http://localhost:${port}/hook`, body: '{}', headers: {} }, { timeoutMs: 2000, allowPrivateTargets: false });
    expect(byName).toMatchObject({ outcome: 'refused_target' });
    expect(received).toEqual([]);
  });

  it('stops at once when its signal aborts (shutdown)', async () => {
    handler = () => undefined;
    const shutdown = new AbortController();
    const sending = send('/hook', { timeoutMs: 5000, signal: shutdown.signal });
    shutdown.abort();
    expect((await sending).outcome).toBe('aborted');
  });
});
