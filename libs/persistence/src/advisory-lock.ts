import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';

/** How often a 'wait' asks for the lock again. */
const LOCK_POLL_MS = 200;

/**
 * Runs work on one connection holding a PostgreSQL session advisory lock, released afterwards.
 * 'wait' waits for the current holder to finish; 'try' returns undefined at once if another holder has it.
 * A wait asks again and again rather than blocking in pg_advisory_lock: the holder may run for longer than
 * the process's statement and lock timeouts allow one statement to wait (a whole reconciliation).
 */
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'wait', work: () => Promise<T>): Promise<T>;
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'try', work: () => Promise<T>): Promise<T | undefined>;
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'wait' | 'try', work: () => Promise<T>): Promise<T | undefined> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    const tryLock = async (): Promise<boolean> => (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]))[0].locked;
    if (mode === 'try') {
      if (!(await tryLock())) return undefined;
    } else {
      while (!(await tryLock())) await sleep(LOCK_POLL_MS);
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  } finally {
    await runner.release();
  }
}
