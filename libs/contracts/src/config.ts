import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import Ajv2020 from 'ajv/dist/2020';
import { schemaRoot } from './schema-root';

/** The hub's configuration, read once from the environment and validated against schemas/config. */
export interface HubConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  secretsKey: Buffer;
  logLevel: string;
  rateLimitRequestsPerSecond: number;
  intakeBatchSize: number;
  intakeAttempts: number;
  intakeBackoffMs: number;
  relayIntervalMs: number;
  relayRequeueAfterMs: number;
  workerConcurrency: number;
  /** Threads that prepare intake requests beside the api's main thread; 0: on the main thread. */
  intakeThreads: number;
  /** A request of at least this many records is part of a bulk delivery, which processing holds back for. */
  intakeBurstRecords: number;
  /** A bulk delivery is over when no such request came for this long. */
  intakeBurstQuietMs: number;
  /** The longest a batch's processing holds back for bulk deliveries; 0: never. */
  processingYieldMaxMs: number;
  /** The worker's CPU niceness: processing yields the cores to acknowledging records and to staff requests. */
  workerNice: number;
  timestampWindowSeconds: number;
  staffTokenTtlSeconds: number;
  nonceTtlSeconds: number;
  /** Unset: the county of most registry cards. */
  countyCode?: string;
  /** Unset: today in China (Asia/Shanghai). */
  reconcileAsOf?: string;
  birthGraceDays: number;
  resolveWithinWorkingDays: number;
  reconcileCron: string;
  reconcileAfterIntakeDelayMs: number;
  indicatorsCron: string;
  /** Receipt time = the signed time (history replays only; refused in production). */
  replayReceiptTimes: boolean;
  checkpoints: CheckpointConfig;
}

/** Signed checkpoints of the message log's chain heads, kept outside the database. Paths are absolute. */
export interface CheckpointConfig {
  file: string;
  keyFile: string;
  publicKeyFile: string;
  /** Minutes between scheduled checkpoints; 0: on demand only. */
  intervalMinutes: number;
  witnessUrl?: string;
  /** An RFC 3161 timestamp authority: each checkpoint's hash is timestamped there. */
  tsaUrl?: string;
}

/** The database's name in a PostgreSQL URL: the default checkpoint file is per database, so two logs never share one. */
function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    return 'sanxian';
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// A fixed key is tolerable only on a developer's machine: production must set its own.
const DEVELOPMENT_SECRETS_KEY = Buffer.from('sanxian-hub-development-only-key').toString('base64');

/** Validates the environment and lists every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HubConfig {
  const schema = JSON.parse(readFileSync(join(schemaRoot(), 'config', 'environment.schema.json'), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
  const validate = ajv.compile(schema);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') values[key] = value;
  }
  const problems: string[] = [];
  if (!validate(values)) {
    for (const error of validate.errors ?? []) {
      const name = error.instancePath.replace(/^\//, '');
      problems.push(`${name}=${JSON.stringify(env[name])}: ${error.message}`);
    }
  }
  if (values.NODE_ENV === 'production' && !values.SECRETS_KEY) {
    problems.push('SECRETS_KEY: required in production (base64 of 32 random bytes: openssl rand -base64 32)');
  }
  if (values.NODE_ENV === 'production' && values.REPLAY_RECEIPT_TIMES === true) {
    problems.push('REPLAY_RECEIPT_TIMES: never in production (receipt times would be what senders sign)');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    nodeEnv: values.NODE_ENV as HubConfig['nodeEnv'],
    port: values.PORT as number,
    databaseUrl: values.DATABASE_URL as string,
    redisUrl: values.REDIS_URL as string,
    queuePrefix: values.QUEUE_PREFIX as string,
    secretsKey: Buffer.from((values.SECRETS_KEY as string | undefined) ?? DEVELOPMENT_SECRETS_KEY, 'base64'),
    logLevel: values.LOG_LEVEL as string,
    rateLimitRequestsPerSecond: values.RATE_LIMIT_REQUESTS_PER_SECOND as number,
    intakeBatchSize: values.INTAKE_BATCH_SIZE as number,
    intakeAttempts: values.INTAKE_ATTEMPTS as number,
    intakeBackoffMs: values.INTAKE_BACKOFF_MS as number,
    relayIntervalMs: values.RELAY_INTERVAL_MS as number,
    relayRequeueAfterMs: values.RELAY_REQUEUE_AFTER_MS as number,
    workerConcurrency: values.WORKER_CONCURRENCY as number,
    // Unset: one thread fewer than the cores, for the main thread (none on a single core).
    intakeThreads: (values.INTAKE_THREADS as number | undefined) ?? Math.min(4, availableParallelism() - 1),
    workerNice: values.WORKER_NICE as number,
    intakeBurstRecords: values.INTAKE_BURST_RECORDS as number,
    intakeBurstQuietMs: values.INTAKE_BURST_QUIET_MS as number,
    processingYieldMaxMs: values.PROCESSING_YIELD_MAX_MS as number,
    timestampWindowSeconds: values.TIMESTAMP_WINDOW_SECONDS as number,
    staffTokenTtlSeconds: values.STAFF_TOKEN_TTL_SECONDS as number,
    nonceTtlSeconds: values.NONCE_TTL_SECONDS as number,
    countyCode: values.COUNTY_CODE as string | undefined,
    reconcileAsOf: values.RECONCILE_AS_OF as string | undefined,
    birthGraceDays: values.BIRTH_GRACE_DAYS as number,
    resolveWithinWorkingDays: values.RESOLVE_WITHIN_WORKING_DAYS as number,
    reconcileCron: values.RECONCILE_CRON as string,
    reconcileAfterIntakeDelayMs: values.RECONCILE_AFTER_INTAKE_DELAY_MS as number,
    indicatorsCron: values.INDICATORS_CRON as string,
    replayReceiptTimes: values.REPLAY_RECEIPT_TIMES as boolean,
    checkpoints: checkpointConfig(values),
  };
}

function checkpointConfig(values: Record<string, unknown>): CheckpointConfig {
  const keyFile = resolve(values.CHECKPOINT_KEY_FILE as string);
  const database = databaseName(values.DATABASE_URL as string).replace(/[^A-Za-z0-9_.-]/g, '_');
  return {
    file: resolve((values.CHECKPOINT_FILE as string | undefined) ?? join('checkpoints', `${database}.checkpoints.jsonl`)),
    keyFile,
    publicKeyFile: resolve((values.CHECKPOINT_PUBLIC_KEY_FILE as string | undefined) ?? `${keyFile}.pub`),
    intervalMinutes: values.CHECKPOINT_INTERVAL as number,
    witnessUrl: values.CHECKPOINT_WITNESS_URL as string | undefined,
    tsaUrl: values.CHECKPOINT_TSA_URL as string | undefined,
  };
}
