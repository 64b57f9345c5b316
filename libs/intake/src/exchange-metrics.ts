import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the exchange, on the api's own registry. */
@Injectable()
export class ExchangeMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({
    name: 'sanxian_exchange_records_total',
    help: 'Records received, by client, kind and outcome (accepted, duplicate, rejected)',
    labelNames: ['client', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requests = new Histogram({
    name: 'sanxian_exchange_request_seconds',
    help: 'Exchange POST latency, by kind and status',
    labelNames: ['kind', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sanxian_' });
  }
}
