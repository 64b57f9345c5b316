import { DataSource } from 'typeorm';

/**
 * Runs work on one connection holding a PostgreSQL session advisory lock, released afterwards.
 * 'wait' queues behind the current holder; 'try' returns undefined at once if another holder has it.
 */
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'wait', work: () => Promise<T>): Promise<T>;
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'try', work: () => Promise<T>): Promise<T | undefined>;
export async function withAdvisoryLock<T>(db: DataSource, lockKey: number, mode: 'wait' | 'try', work: () => Promise<T>): Promise<T | undefined> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    if (mode === 'try') {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]);
      if (!locked) return undefined;
    } else {
      await runner.query('SELECT pg_advisory_lock($1)', [lockKey]);
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
