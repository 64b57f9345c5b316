import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import Ajv2020 from 'ajv/dist/2020';
import { schemaRoot } from './schema-root';
import { defaultSecretsKeyFile, loadOrCreateSecretsKey } from './secrets-key';

/** The hub's configuration, read once from the environment and validated against schemas/config. */
export interface HubConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  secretsKey: Buffer;
  /** Where the key came from when SECRETS_KEY is unset: processes warn about it once at start. */
  secretsKeyFile?: { path: string; created: boolean; exposed: boolean };
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
  /** An intake thread preparing one request for longer is ended (and replaced); the request gets a 503. */
  intakeTaskTimeoutMs: number;
  /** The api's statement timeout; lock waits and the driver's own timeout are derived from it. */
  databaseStatementTimeoutMs: number;
  /** The worker's statement timeout (reconciliation's long transactions), derived bounds as for the api. */
  workerStatementTimeoutMs: number;
  /** A `sanxian` command's statement timeout, derived bounds as for the api. */
  cliStatementTimeoutMs: number;
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
  signIn: {
    failuresPerUserAndAddress: number;
    failuresPerUser: number;
    failuresPerAddress: number;
    blockSeconds: number;
    hashConcurrency: number;
    hashQueue: number;
  };
  /** Fastify's trustProxy: whose X-Forwarded-For gives a caller's address. */
  trustProxy: boolean | number | string;
  /** Bearer token of /metrics on the api port; unset: not served there. */
  metricsToken?: string;
  /** A listener of its own for /metrics, without a token. */
  metricsPort?: number;
  metricsHost: string;
  nonceTtlSeconds: number;
  /** Unset: the county of most registry cards. */
  countyCode?: string;
  /** Unset: today in China (Asia/Shanghai). */
  reconcileAsOf?: string;
  birthGraceDays: number;
  /** Minutes before a spot-check day's departure from which its team leader may draw. */
  inspectionDrawLeadMinutes: number;
  resolveWithinWorkingDays: number;
  /** Calendar days to answer a verification request (协查): inside the county, and across its border. */
  verificationDueDays: { withinCounty: number; crossCounty: number };
  reconcileCron: string;
  reconcileAfterIntakeDelayMs: number;
  /** A full run reads the county into memory at once up to this many cards; above, it goes township by township in pages. */
  reconcileInMemoryMaxCards: number;
  /** A full run in parts: cards (and facts) of a township a page reads, attempts of each part job, and minutes without progress after which the run is abandoned. */
  reconcileParts: { page: number; linkPage: number; concurrency: number; attempts: number; staleMinutes: number };
  /** A client's bulk load (initial load, history import) ends this long after its last delivery, if the client does not declare it complete. */
  bulkLoadQuietMs: number;
  indicatorsCron: string;
  /** When expired token revocations are deleted (cron, Asia/Shanghai). */
  revocationPruneCron: string;
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

/** What a process says at start about a key it read from (or made in) a file rather than SECRETS_KEY. */
export function secretsKeyWarning(config: HubConfig): string | undefined {
  const file = config.secretsKeyFile;
  if (!file) return undefined;
  return `SECRETS_KEY is unset: using the key ${file.created ? 'just made in' : 'kept in'} ${file.path}` +
    `${file.exposed ? ' (WARNING: other users can read it: chmod 600)' : ''}; every api, worker and CLI of this installation must read the same key — set SECRETS_KEY in production`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The environment for the hub's own child processes (the demo's api and worker): this process's
 * variables over `defaults`, under `settings`. With loadConfig, the one place that reads process.env.
 */
export function environmentWith(
  settings: Record<string, string | undefined>,
  defaults: Record<string, string> = {},
): Record<string, string | undefined> {
  return { ...defaults, ...process.env, ...settings };
}

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
  // No key is ever written in the source: unset, each installation makes its own at first start.
  const keyFile = values.SECRETS_KEY ? undefined : loadOrCreateSecretsKey((values.SECRETS_KEY_FILE as string | undefined) ?? defaultSecretsKeyFile());
  return {
    nodeEnv: values.NODE_ENV as HubConfig['nodeEnv'],
    port: values.PORT as number,
    databaseUrl: values.DATABASE_URL as string,
    redisUrl: values.REDIS_URL as string,
    queuePrefix: values.QUEUE_PREFIX as string,
    secretsKey: keyFile?.key ?? Buffer.from(values.SECRETS_KEY as string, 'base64'),
    ...(keyFile ? { secretsKeyFile: { path: keyFile.path, created: keyFile.created, exposed: keyFile.exposed } } : {}),
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
    intakeTaskTimeoutMs: values.INTAKE_TASK_TIMEOUT_MS as number,
    databaseStatementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS as number,
    workerStatementTimeoutMs: values.WORKER_STATEMENT_TIMEOUT_MS as number,
    cliStatementTimeoutMs: values.CLI_STATEMENT_TIMEOUT_MS as number,
    workerNice: values.WORKER_NICE as number,
    intakeBurstRecords: values.INTAKE_BURST_RECORDS as number,
    intakeBurstQuietMs: values.INTAKE_BURST_QUIET_MS as number,
    processingYieldMaxMs: values.PROCESSING_YIELD_MAX_MS as number,
    timestampWindowSeconds: values.TIMESTAMP_WINDOW_SECONDS as number,
    staffTokenTtlSeconds: values.STAFF_TOKEN_TTL_SECONDS as number,
    signIn: {
      failuresPerUserAndAddress: values.SIGN_IN_FAILURES_PER_USER_AND_ADDRESS as number,
      failuresPerUser: values.SIGN_IN_FAILURES_PER_USER as number,
      failuresPerAddress: values.SIGN_IN_FAILURES_PER_ADDRESS as number,
      blockSeconds: values.SIGN_IN_BLOCK_SECONDS as number,
      hashConcurrency: values.PASSWORD_HASH_CONCURRENCY as number,
      hashQueue: values.PASSWORD_HASH_QUEUE as number,
    },
    trustProxy: trustProxyValue(values.TRUST_PROXY as string),
    metricsToken: values.METRICS_TOKEN as string | undefined,
    metricsPort: values.METRICS_PORT as number | undefined,
    metricsHost: values.METRICS_HOST as string,
    nonceTtlSeconds: values.NONCE_TTL_SECONDS as number,
    countyCode: values.COUNTY_CODE as string | undefined,
    reconcileAsOf: values.RECONCILE_AS_OF as string | undefined,
    birthGraceDays: values.BIRTH_GRACE_DAYS as number,
    inspectionDrawLeadMinutes: values.INSPECTION_DRAW_LEAD_MINUTES as number,
    resolveWithinWorkingDays: values.RESOLVE_WITHIN_WORKING_DAYS as number,
    verificationDueDays: { withinCounty: values.VERIFICATION_DUE_DAYS as number, crossCounty: values.VERIFICATION_CROSS_COUNTY_DUE_DAYS as number },
    reconcileCron: values.RECONCILE_CRON as string,
    reconcileAfterIntakeDelayMs: values.RECONCILE_AFTER_INTAKE_DELAY_MS as number,
    reconcileInMemoryMaxCards: values.RECONCILE_IN_MEMORY_MAX_CARDS as number,
    reconcileParts: {
      page: values.RECONCILE_PART_PAGE as number,
      linkPage: values.RECONCILE_LINK_PAGE as number,
      concurrency: values.RECONCILE_PART_CONCURRENCY as number,
      attempts: values.RECONCILE_PART_ATTEMPTS as number,
      staleMinutes: values.RECONCILE_PART_STALE_MINUTES as number,
    },
    bulkLoadQuietMs: values.BULK_LOAD_QUIET_MS as number,
    indicatorsCron: values.INDICATORS_CRON as string,
    revocationPruneCron: values.REVOCATION_PRUNE_CRON as string,
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
