import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Agency, HubConfig, loadConfig } from '@sanxian/contracts';
import { signedHeaders } from '@sanxian/exchange';
import { ClientRepository } from '@sanxian/persistence';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/api.factory';
import { createWorker } from '../../apps/worker/src/worker.factory';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase, uniqueQueuePrefix } from './test-database';

/** The test environment variables for a hub on its own database and queue prefix. */
export function testEnv(db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueQueuePrefix(),
    LOG_LEVEL: 'error',
    PORT: '0',
    INTAKE_BACKOFF_MS: '100',
    INTAKE_ATTEMPTS: '3',
    RELAY_INTERVAL_MS: '300',
    RELAY_REQUEUE_AFTER_MS: '3000',
    RATE_LIMIT_REQUESTS_PER_SECOND: '10000',
    // A key of the suite's own: processes it starts with this env (api, worker, CLI) share it.
    SECRETS_KEY: randomBytes(32).toString('base64'),
    // Requests are prepared on the api's main thread: intake threads load the built dist/, not the sources
    // under test. test/e2e/intake-threads.int-spec.ts checks that threads answer the same.
    INTAKE_THREADS: '0',
    // Reconciliation only when a test asks for it (or overrides these).
    RECONCILE_AFTER_INTAKE_DELAY_MS: String(24 * 3600 * 1000),
    // Checkpoints only when a test writes one (into its own files, never the repository's checkpoints/).
    CHECKPOINT_INTERVAL: '0',
    ...overrides,
  };
}

export interface Hub {
  url: string;
  db: TestDatabase;
  config: HubConfig;
  env: Record<string, string>;
  api: NestFastifyApplication;
  worker?: INestApplicationContext;
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  createClient(agency: Agency, name?: string): Promise<TestClient>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface TestClient {
  clientId: string;
  secret: string;
}

/** A real api (listening on a free port) and, unless told otherwise, a real worker, in this process. */
export async function startHub(options: { worker?: boolean; env?: Record<string, string>; db?: TestDatabase } = {}): Promise<Hub> {
  const db = options.db ?? (await createTestDatabase());
  const env = testEnv(db, options.env);
  const config = loadConfig(env);
  const api = await createApiApp(config, { logs: false });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const address = api.getHttpServer().address() as { port: number };
  const dataSource = api.get(DataSource);
  const hub: Hub = {
    url: `http://127.0.0.1:${address.port}`,
    db,
    config,
    env,
    api,
    sql: (query, params) => dataSource.query(query, params),
    createClient: (agency, name = `test ${agency}`) => api.get(ClientRepository).create(agency, name),
    async startWorker() {
      if (!hub.worker) hub.worker = await createWorker(config, { logs: false });
    },
    async stopWorker() {
      await hub.worker?.close();
      hub.worker = undefined;
    },
    async close() {
      await hub.stopWorker();
      await api.close();
      if (!options.db) await db.drop();
    },
  };
  if (options.worker !== false) await hub.startWorker();
  return hub;
}

export interface SendOptions {
  contentType?: string;
  headers?: Record<string, string>;
  /** Sign a different body than the one sent (forgery), or sign with another secret. */
  signBody?: Buffer;
  secret?: string;
  now?: Date;
  nonce?: string;
  /** Gives up on the request (e.g. AbortSignal.timeout): a hub that hangs fails the test instead of stalling it. */
  signal?: AbortSignal;
}

/** A fetch Response whose JSON body is untyped, as tests read it. */
export type HubResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** One exchange client of each agency, by the short names the suites use. */
export type AgencyClients = Record<'fp' | 'police' | 'civil' | 'health', TestClient>;

/** Creates one exchange client of each of the four agencies, in this order. */
export async function createAgencyClients(hub: Hub): Promise<AgencyClients> {
  return {
    fp: await hub.createClient('family-planning'),
    police: await hub.createClient('public-security'),
    civil: await hub.createClient('civil-affairs'),
    health: await hub.createClient('health'),
  };
}

/** Sends a request signed as the contract says; the raw Response is returned. */
export async function send(hubUrl: string, client: TestClient, method: string, path: string, body?: Buffer | string | object, options: SendOptions = {}): Promise<HubResponse> {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const headers = signedHeaders({
    clientId: client.clientId,
    secret: options.secret ?? client.secret,
    method,
    pathWithQuery: path,
    body: options.signBody ?? bytes,
    now: options.now,
    nonce: options.nonce,
  });
  const contentType = options.contentType ?? (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body) ? 'application/json' : undefined);
  return fetch(hubUrl + path, {
    method,
    headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}), ...options.headers },
    body: method === 'GET' ? undefined : bytes,
    signal: options.signal,
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until no message is still `accepted`, and returns the counts by state. */
export async function waitUntilProcessed(hub: Hub, expected: number, timeoutMs = 60_000): Promise<Record<string, number>> {
  return waitFor(`${expected} messages processed`, async () => {
    const rows = await hub.sql<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM message_state GROUP BY state`);
    const counts = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    const total = rows.reduce((s, r) => s + r.n, 0);
    return total >= expected && !counts.accepted ? counts : undefined;
  }, timeoutMs);
}
