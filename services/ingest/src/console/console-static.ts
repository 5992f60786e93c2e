import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths the console never answers: the API, its docs, health and metrics keep their own 404s. */
const NOT_CONSOLE = /^\/(v1(\/|$)|docs|health(\/|$)|metrics(\/|$))/;
/** Vite names every built asset with a content hash: they never change, so they are cached for a year. */
const HASHED_ASSETS = /^\/assets\//;

const INDEX_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * Serves the web console (services/console, built by Vite into `dir`) at `/`: its files, and
 * index.html for every other GET outside the API (the console routes in the browser). Routes the
 * application registers (/v1/*, /docs*, /health/*, /metrics) always win over this catch-all, and
 * an unknown path under them still gets the API's own 404. Without a build, `/` says so and the
 * gateway runs as usual.
 */
export async function serveConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, 'index.html'))) {
    fastify.get('/', (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`The console is not built (no index.html in ${root}): run \`npm run build\`.\n`),
    );
    return;
  }
  await fastify.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const urlPath = decodedPath(request.url);
      if (urlPath === undefined || NOT_CONSOLE.test(urlPath)) return reply.callNotFound();
      const file = await fileIn(root, urlPath);
      if (file && file !== 'index.html') {
        const cache = HASHED_ASSETS.test(urlPath) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
        return reply.header('cache-control', cache).sendFile(file, { cacheControl: false });
      }
      // A missing asset is a 404, not the page: a browser must not run HTML as a script.
      if (HASHED_ASSETS.test(urlPath) || path.extname(urlPath) !== '') return reply.callNotFound();
      return reply.headers(INDEX_HEADERS).sendFile('index.html', { cacheControl: false });
    };
    scope.get('/', handler);
    scope.get('/*', handler);
  });
}

function decodedPath(url: string): string | undefined {
  try {
    return decodeURIComponent(url.split('?')[0]);
  } catch {
    return undefined;
  }
}

/** The file a URL path names inside root (relative to it), or undefined: nothing there, a folder, or outside root. */
async function fileIn(root: string, urlPath: string): Promise<string | undefined> {
  const relative = path.normalize(urlPath).replace(/^[/\\]+/, '');
  const absolute = path.resolve(root, relative);
  if (relative === '' || !absolute.startsWith(root + path.sep)) return undefined;
  const info = await stat(absolute).catch(() => undefined);
  return info?.isFile() ? relative : undefined;
}
