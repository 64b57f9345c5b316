import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HubConfig, hubLogger } from '@sanxian/contracts';
import { ApiModule } from './api.module';

/** Polled by probes and scrapers: not worth a log line each time. */
const QUIET_PATHS = new Set(['/health/live', '/metrics']);

class QuietPathsLogController extends LogController {
  override isLogDisabled(request: FastifyRequest): boolean {
    return QUIET_PATHS.has(request.url) || super.isLogDisabled(request);
  }
}

// Large enough for a 100,000-record CSV or NDJSON file; beyond it Fastify answers 413.
const BODY_LIMIT = 64 * 1024 * 1024;

/** Builds the api (not listening yet): tests start it in-process, main() on PORT. */
export async function createApiApp(config: HubConfig, options: { logs?: boolean } = {}): Promise<NestFastifyApplication> {
  const logs = options.logs !== false;
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy as boolean | string,
    // Fastify's own request log (pino, one JSON line per request and response, with the request id).
    logger: logs ? { level: config.logLevel } : false,
    // A caller's X-Request-Id is kept so one request can be followed across systems.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    logController: new QuietPathsLogController(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(logs ? hubLogger(config.logLevel) : false);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // The exchange needs the exact body bytes to check the signature, so it parses bodies itself;
  // other routes get JSON parsed as usual.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    if (req.url.startsWith('/v1/exchange/') || !/json/i.test(req.headers['content-type'] ?? '')) return done(null, body);
    try {
      done(null, body.length ? JSON.parse(body.toString('utf8')) : undefined);
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sanxian Hub')
      .setDescription('Exchange API for agency systems (signed requests; the contract is docs/exchange-contract.md in the repository), the staff API and operations endpoints.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  serveConsole(app);
  app.enableShutdownHooks();
  return app;
}

/** Paths the api answers itself: the console's index.html never stands in for them. */
const API_PREFIXES = ['/v1', '/health', '/metrics', '/docs'];

/**
 * The built staff console (`dist/console`, written by `npm run build`), found from here upwards so
 * that the api finds it whether it runs from dist/ or from source (the tests); undefined if not built.
 */
export function consoleRoot(from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const root = join(dir, 'dist', 'console');
    if (existsSync(join(root, 'index.html'))) return root;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The console's files at `/`, and its index.html for any other GET of a page (a browser asking for
 * text/html), so that a link such as /discrepancies/<id> opens in the single-page app. API paths,
 * and requests not asking for HTML, still get the api's 404 problem document.
 */
function serveConsole(app: NestFastifyApplication): void {
  const root = consoleRoot();
  if (!root) {
    new NestLogger('Console').warn('the staff console is not built (npm run build): / is not served');
    return;
  }
  app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file, so that everything else reaches the fallback below.
    wildcard: false,
    index: false,
    // The build writes .br and .gz beside each file; they go to browsers that accept them.
    preCompressed: true,
    setHeaders: (reply, path) => {
      // Vite names assets by their hash: they never change; index.html must be asked for every time.
      reply.header('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/*', (request, reply) => {
    const path = request.url.split('?')[0];
    const isApi = API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    const wantsPage = path === '/' || /\btext\/html\b/i.test(request.headers.accept ?? '');
    if (isApi || !wantsPage) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
