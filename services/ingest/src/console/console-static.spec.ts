import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { serveConsole } from './console-static';

/** serveConsole on a bare Fastify, with an API route beside it the way the gateway's controllers are. */
async function gatewayServing(dir: string): Promise<FastifyInstance> {
  const fastify = Fastify();
  fastify.get('/v1/leads', async () => ({ items: [] }));
  fastify.setNotFoundHandler((request, reply) => reply.code(404).type('application/problem+json').send({ status: 404, instance: request.url }));
  const app = { getHttpAdapter: () => ({ getInstance: () => fastify }) } as unknown as NestFastifyApplication;
  await serveConsole(app, dir);
  await fastify.ready();
  return fastify;
}

describe('serving the console from the gateway', () => {
  let dir: string;
  let fastify: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'console-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
    writeFileSync(path.join(path.dirname(dir), 'outside.txt'), 'secret');
    fastify = await gatewayServing(dir);
  });

  afterAll(async () => {
    await fastify.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['/', '/leads/0195', '/settings/pipelines?x=1'])('answers index.html, not cached, for the console path %s', async (url) => {
    const response = await fastify.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.body).toContain('<div id="root">');
  });

  it('serves hashed assets for a year and other files for an hour', async () => {
    const asset = await fastify.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log(1)');
    const icon = await fastify.inject({ url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('leaves the API, docs, health and metrics paths to the gateway, and never answers HTML for a missing file', async () => {
    expect((await fastify.inject({ url: '/v1/leads' })).json()).toEqual({ items: [] });
    for (const url of ['/v1/unknown', '/v1', '/docs/unknown', '/health/nothing', '/metrics/x', '/assets/missing.js', '/missing.png']) {
      const response = await fastify.inject({ url });
      expect({ url, status: response.statusCode, type: response.headers['content-type'] }).toEqual({ url, status: 404, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('serves nothing outside its folder', async () => {
    for (const url of ['/../outside.txt', '/assets/..%2f..%2foutside.txt', '/%2e%2e/outside.txt']) {
      const response = await fastify.inject({ url });
      expect(response.body).not.toContain('secret');
    }
  });

  it('says the console is not built when the folder has no index.html, and the gateway still runs', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'console-empty-'));
    const bare = await gatewayServing(empty);
    const response = await bare.inject({ url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('The console is not built');
    expect((await bare.inject({ url: '/v1/leads' })).statusCode).toBe(200);
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
