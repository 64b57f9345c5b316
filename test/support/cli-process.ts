import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs `sanxian …` as a separate process, the way an operator does, against a test database. */
export function runCli(args: string[], env: Record<string, string>, input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), ...args], {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** runCli without blocking this process: for a test that serves something the command calls (a witness on 127.0.0.1). */
export function runCliAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && status === null && !error.killed) reject(error);
      else resolve({ status, stdout, stderr });
    });
  });
}

/** The environment of `sanxian …` run against a suite's database and queues, its checkpoint files under `dir`. */
export function cliEnvironment(ctx: { db: { url: string }; config: { redisUrl: string; queuePrefix: string } }, dir: string): Record<string, string> {
  return {
    DATABASE_URL: ctx.db.url, REDIS_URL: ctx.config.redisUrl, QUEUE_PREFIX: ctx.config.queuePrefix, LOG_LEVEL: 'error',
    CHECKPOINT_FILE: join(dir, 'log.checkpoints.jsonl'), CHECKPOINT_KEY_FILE: join(dir, 'keys', 'signing-key.pem'),
  };
}
