import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { RelayService } from '@sanxian/intake';

/**
 * Runs the outbox relay on a timer in the worker process, not as a Redis-scheduled job: the relay
 * is what repairs a Redis that lost its data, so it must not live in Redis itself. One worker at a
 * time relays (a PostgreSQL advisory lock), however many run.
 */
@Injectable()
export class RelayTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RelayTimer.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly relay: RelayService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    // At once: catch up on whatever an earlier crash left behind.
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        await this.relay.relayExclusively();
      } catch (error) {
        this.logger.warn(`relay: ${(error as Error).message}`);
      }
      this.schedule(this.config.relayIntervalMs);
    }, delay);
  }
}
