import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { HubConfig } from '@sanxian/contracts';
import { ApiModule } from './api.module';

// Large enough for a 100,000-record CSV or NDJSON file; beyond it Fastify answers 413.
const BODY_LIMIT = 64 * 1024 * 1024;

/** Builds the api (not listening yet): tests start it in-process, main() on PORT. */
export async function createApiApp(config: HubConfig, options: { logs?: boolean } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  if (options.logs !== false) app.useLogger(app.get(Logger));
  else app.useLogger(false);
  const fastify = app.getHttpAdapter().getInstance();
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
      .setDescription('Exchange API for agency systems (signed requests; see docs/exchange-contract.md) and operations endpoints.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}
