import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Gauge } from 'prom-client';
import { ExchangeMetrics } from '@sanxian/exchange';
import { JobProducer } from '@sanxian/jobs';
import { IntakeRepository } from '@sanxian/persistence';

/** Prometheus text format: records by client, kind and outcome; queue depths; processing latency. */
@ApiTags('operations')
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
