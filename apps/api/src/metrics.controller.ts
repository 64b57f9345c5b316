import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CanActivate, Controller, ExecutionContext, Get, Header, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HUB_CONFIG, type HubConfig } from '@sanxian/contracts';
import { Gauge } from 'prom-client';
import { ExchangeMetrics } from '@sanxian/intake';
import { JobProducer } from '@sanxian/jobs';
import { IntakeRepository } from '@sanxian/persistence';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** /metrics on the api port: only with `Authorization: Bearer <METRICS_TOKEN>`, and not at all when none is set. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    this.expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new UnauthorizedException('/metrics is not served on this port: set METRICS_TOKEN (then send it as a bearer token) or METRICS_PORT');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const [scheme, token] = header.split(' ');
    // Digests of equal length: the comparison takes the same time whatever was sent.
    if (scheme !== 'Bearer' || !token || !timingSafeEqual(digest(token), this.expected)) throw new UnauthorizedException('send Authorization: Bearer <METRICS_TOKEN>');
    return true;
  }
}

/**
 * METRICS_PORT: /metrics on a listener of its own (METRICS_HOST, loopback by default), without a
 * token, for a scraper on the same host or network; anything else there is a 404.
 */
export async function listenForMetrics(app: INestApplication, port: number, host: string): Promise<Server> {
  const metrics = app.get(MetricsController);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}

/** Prometheus text format: records by client, kind and outcome; queue depths; processing latency. */
@ApiTags('operations')
@ApiBearerAuth()
@UseGuards(MetricsTokenGuard)
@Controller('metrics')
export class MetricsController {
  private readonly queueDepth: Gauge<'queue' | 'state'>;
  private readonly latency: Gauge<'quantile'>;
  private readonly unfinished: Gauge;

  constructor(
    private readonly metrics: ExchangeMetrics,
    private readonly jobs: JobProducer,
    private readonly intake: IntakeRepository,
  ) {
    const registers = [metrics.registry];
    this.queueDepth = new Gauge({ name: 'sanxian_queue_jobs', help: 'Jobs per queue and state', labelNames: ['queue', 'state'], registers });
    this.latency = new Gauge({ name: 'sanxian_intake_processing_latency_seconds', help: 'Receipt-to-processed latency of batches finished in the last 5 minutes', labelNames: ['quantile'], registers });
    this.unfinished = new Gauge({ name: 'sanxian_intake_batches_unfinished', help: 'Committed batches not yet processed (the outbox backlog)', registers });
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: with the bearer token METRICS_TOKEN (or without a token on METRICS_PORT)' })
  @ApiResponse({ status: 401, description: 'no or another token, or METRICS_TOKEN is unset' })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    // Each source is optional: a scrape still answers when Redis or PostgreSQL is down.
    await Promise.allSettled([
      this.jobs.depths().then((depths) => {
        for (const [queue, counts] of Object.entries(depths)) for (const [state, n] of Object.entries(counts)) this.queueDepth.set({ queue, state }, n);
      }),
      this.intake.recentLatencySeconds(300).then(({ p50, p99 }) => {
        if (p50 !== null) this.latency.set({ quantile: '0.5' }, p50);
        if (p99 !== null) this.latency.set({ quantile: '0.99' }, p99);
      }),
      this.intake.countUnfinishedBatches().then((n) => this.unfinished.set(n)),
    ]);
    return this.metrics.registry.metrics();
  }
}
