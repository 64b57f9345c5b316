import { ServiceUnavailableException } from '@nestjs/common';

/**
 * At most `concurrency` password hashes at once (each scrypt takes 32 MiB), and at most `queue`
 * sign-ins waiting for one: beyond that a sign-in is refused with 503 and Retry-After rather than
 * let a flood of sign-ins take the process's memory.
 */
export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number, private readonly queue: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw new ServiceUnavailableException({ message: 'too many sign-ins at once: try again in a second', retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next sign-in waiting, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
