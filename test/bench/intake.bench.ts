import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { v7 as timeOrderedUuid } from 'uuid';
import { from as copyFrom } from 'pg-copy-streams';
import { pushFile } from '@sanxian/exchange-client';
import { hukouChange } from '../support/record-factory';
import { TEST_ADMIN_URL, TEST_REDIS_URL, urlFor } from '../support/test-database';

/**
 * Intake throughput of a real api and worker (child processes, real PostgreSQL and Redis), set against a
 * raw COPY of the same rows on the same server. Reports figures only: timings are never asserted.
 */

export const ROOT = join(__dirname, '..', '..', '..'); // dist/test/bench → repository root
const PROCESSED_TIMEOUT_MS = 10 * 60_000;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat

interface Options {
  records: number;
  batchSize: number;
  concurrency: number;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: { records: { type: 'string', default: '200000' }, 'batch-size': { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '4' } },
  });
  const int = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
    return n;
  };
  return { records: int('records', values.records), batchSize: int('batch-size', values['batch-size']), concurrency: int('concurrency', values.concurrency) };
}

// ------------------------------------------------------------------------------------------------- processes

export interface Service {
  name: string;
  child: ChildProcess;
  /** The last lines it printed, to explain a failure. */
  tail: string[];
  stopping?: boolean;
}

export function startService(name: string, script: string, env: NodeJS.ProcessEnv): Promise<Service> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const service: Service = { name, child, tail: [] };
  let ready = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready after 60 s:\n${service.tail.join('\n')}`));
    }, 60_000);
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      service.tail.push(...text.split('\n').filter(Boolean));
      service.tail.splice(0, Math.max(0, service.tail.length - 20));
      if (!ready && /\bready\b/.test(text)) {
        ready = true;
        clearTimeout(timer);
        resolve(service);
      }
    };
    // Both pipes are read to the end, or a chatty process would block on a full pipe.
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = `${name} exited (${signal ?? code})`;
      if (!ready) reject(new Error(`${why} before it was ready:\n${service.tail.join('\n')}`));
      // Said at once: the run itself would only see refused connections or a stalled queue.
      else if (!service.stopping) console.error(`${why} during the run; its last output:\n${service.tail.join('\n')}`);
    });
  });
}

export async function stopService(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  service.stopping = true;
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(5000, 'timeout')])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Peak resident set (MB) and CPU time used so far (s), from /proc. */
export async function processUsage(pid: number): Promise<{ peakRssMb: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  // utime and stime are the 14th and 15th fields; count from after "(comm)", which may hold spaces.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { peakRssMb: hwmKb / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND };
}

/**
 * CPU time (s) used so far by every PostgreSQL server process on this machine, living or not: the
 * postmaster's children are counted through its cumulative children's times once they exit.
 */
export async function postgresCpuSeconds(): Promise<number> {
  let ticks = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat.includes('(postgres)')) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, and for the postmaster the children it has reaped (cutime, cstime)
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'sanxian.js'), ...args], { cwd: ROOT, env });
  return stdout;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ------------------------------------------------------------------------------------------------- measures

/**
 * Resolves with the time at which every record is processed. Polls intake_batch (one row per 5,000 records)
 * rather than counting inbound_message: that count scans the whole log ten times a second, and would take CPU
 * and I/O from the system being measured. The exact count is checked once at the end.
 */
export async function untilProcessed(db: Client, records: number, signal: AbortSignal): Promise<number> {
  const deadline = performance.now() + PROCESSED_TIMEOUT_MS;
  for (;;) {
    signal.throwIfAborted();
    const [row] = (await db.query(`SELECT coalesce(sum(record_count), 0)::int AS n FROM intake_batch WHERE processed_at IS NOT NULL OR dead_at IS NOT NULL`)).rows;
    if (row.n >= records) return performance.now();
    if (performance.now() > deadline) throw new Error(`only ${row.n} of ${records} records processed after ${PROCESSED_TIMEOUT_MS / 60_000} minutes`);
    await sleep(100);
  }
}

/** Nearest-rank percentile. */
export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : NaN;
}

const COPY_COLUMNS = 'id, client_id, record_id, kind, batch_id, chain_seq, payload, payload_sha256, prev_hash, row_hash, event_date, region_code, warnings, received_at';

/** COPY text-format rows shaped like the api's: same payload text and hash, fresh ids of the same kind (time-ordered), dummy chain hashes of the real length. */
function copyChunks(lines: string[], clientId: string, batchSize: number): Buffer[] {
  const escape = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
  const receivedAt = new Date().toISOString();
  const chunks: Buffer[] = [];
  let text = '';
  let batchId = '';
  lines.forEach((payload, i) => {
    if (i % batchSize === 0) batchId = randomUUID();
    const record = JSON.parse(payload) as { recordId: string; eventDate: string; regionCode: string };
    const sha = createHash('sha256').update(payload).digest('hex');
    const hash = createHash('sha256').update(sha).digest('hex');
    text += [timeOrderedUuid(), clientId, escape(record.recordId), 'hukou-change', batchId, i + 1, escape(payload), sha, hash, hash, record.eventDate, record.regionCode, '\\N', receivedAt].join('\t') + '\n';
    if ((i + 1) % 1000 === 0) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  });
  if (text) chunks.push(Buffer.from(text));
  return chunks;
}

/**
 * Seconds to COPY the rows into a logged copy of inbound_message (keys and indexes, no triggers or foreign keys):
 * the median of three runs, since one COPY lasts only seconds and a burst of other work on the machine skews it.
 * The copy carries the unique (client_id, record_id) key too: the log enforces it in its key table (the
 * partitioned table cannot), and a baseline without it would be a cheaper table than the one the records need.
 */
async function copyBaseline(db: Client, chunks: Buffer[]): Promise<number> {
  await db.query('CREATE TABLE bench_copy (LIKE inbound_message INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)');
  await db.query('CREATE UNIQUE INDEX bench_copy_client_record ON bench_copy (client_id, record_id)');
  const seconds: number[] = [];
  for (let run = 0; run < 3; run++) {
    await db.query('TRUNCATE bench_copy');
    await db.query('CHECKPOINT');
    const started = performance.now();
    await pipeline(Readable.from(chunks), db.query(copyFrom(`COPY bench_copy (${COPY_COLUMNS}) FROM STDIN`)));
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds.sort((a, b) => a - b)[1];
}

// ------------------------------------------------------------------------------------------------- the run

/** A fresh database name, queue prefix, port and environment for one benchmark run. */
export async function benchSetting(databasePrefix: string): Promise<{ database: string; stamp: string; port: number; queuePrefix: string; env: NodeJS.ProcessEnv; loadAtStart: number }> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const database = `${databasePrefix}_${stamp}`;
  const queuePrefix = `{bench-${randomBytes(4).toString('hex')}}`;
  const port = await freePort();
  // Other work on the machine skews every figure; the 1-minute load average at the start shows how much there was.
  const loadAtStart = loadavg()[0];
  const env: NodeJS.ProcessEnv = {
    ...process.env, // WORKER_CONCURRENCY, INTAKE_BATCH_SIZE… may be set by whoever runs the bench
    DATABASE_URL: urlFor(database),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_REQUESTS_PER_SECOND: '100000',
    // One thing measured at a time: the county-wide run that follows intake is timed by its own bench (reconcile).
    RECONCILE_AFTER_INTAKE_DELAY_MS: String(30 * 24 * 3600_000),
    // Nor checkpoints of a bench's throw-away database (they would be left in checkpoints/).
    CHECKPOINT_INTERVAL: '0',
  };
  return { database, stamp, port, queuePrefix, env, loadAtStart };
}

/** Migrates, starts the api and the worker as processes (added to `services` for clean-up) and creates a client. */
export async function startHubProcesses(env: NodeJS.ProcessEnv, services: Service[], agency: string): Promise<{ api: Service; worker: Service; client: { clientId: string; secret: string } }> {
  await cli(['migrate'], env);
  const api = await startService('api', 'api.js', env);
  services.push(api);
  const worker = await startService('worker', 'worker.js', env);
  services.push(worker);
  const client = JSON.parse(await cli(['clients', 'create', '--agency', agency, '--name', 'bench', '--json'], env)) as { clientId: string; secret: string };
  return { api, worker, client };
}

export async function runIntakeBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const n = options.records;
  const { database, stamp, port, queuePrefix, env, loadAtStart } = await benchSetting('sanxian_bench');
  const services: Service[] = [];
  const tempDir = await mkdtemp(join(tmpdir(), 'sanxian-bench-'));
  let db: Client | undefined;
  console.log(`intake bench: ${n.toLocaleString('en-US')} hukou changes, batches of ${options.batchSize}, ${options.concurrency} in flight; database ${database}, queues ${queuePrefix}`);
  try {
    const { api, worker, client } = await startHubProcesses(env, services, 'public-security');

    const lines = Array.from({ length: n }, (_, i) => JSON.stringify(hukouChange(i + 1, 1)));
    const file = join(tempDir, 'hukou-changes.ndjson');
    await pipeline(Readable.from(lines.map((line) => line + '\n')), createWriteStream(file));

    db = new Client({ connectionString: urlFor(database) });
    await db.connect();
    await db.query('CHECKPOINT'); // start from clean buffers, as the COPY baseline does
    const postgresCpuAtStart = await postgresCpuSeconds();
    // CPU from here on: what the records cost, without the processes' start-up.
    const [apiAtStart, workerAtStart] = await Promise.all([processUsage(api.child.pid!), processUsage(worker.child.pid!)]);
    const benchCpuAtStart = process.cpuUsage();
    const started = performance.now();
    const stopPolling = new AbortController();
    const processing = untilProcessed(db, n, stopPolling.signal);
    processing.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    const summary = await pushFile({
      kind: 'hukou-change', file, url: `http://127.0.0.1:${port}`, clientId: client.clientId, secret: client.secret,
      batchSize: options.batchSize, concurrency: options.concurrency,
    }).catch((error: unknown) => {
      stopPolling.abort();
      throw error;
    });
    if (summary.accepted !== n) {
      stopPolling.abort(); // otherwise the run would wait the whole timeout for records that never came
      throw new Error(`${summary.accepted} of ${n} records accepted (${summary.rejected} rejected, ${summary.duplicates} duplicates); see ${summary.rejectionsFile ?? 'the hub logs'}`);
    }
    const processedAt = await processing;
    const processedSeconds = (processedAt - started) / 1000;
    const postgresCpu = (await postgresCpuSeconds()) - postgresCpuAtStart;
    const benchCpu = process.cpuUsage(benchCpuAtStart);
    const clientCpu = (benchCpu.user + benchCpu.system) / 1e6;
    const [apiEnd, workerEnd] = await Promise.all([processUsage(api.child.pid!), processUsage(worker.child.pid!)]);
    const apiUsage = { peakRssMb: apiEnd.peakRssMb, cpuSeconds: apiEnd.cpuSeconds - apiAtStart.cpuSeconds };
    const workerUsage = { peakRssMb: workerEnd.peakRssMb, cpuSeconds: workerEnd.cpuSeconds - workerAtStart.cpuSeconds };
    const [counts] = (await db.query(`SELECT count(*) FILTER (WHERE state = 'processed')::int AS processed, (SELECT count(*)::int FROM canonical_fact) AS facts FROM message_state`)).rows;

    const copySeconds = await copyBaseline(db, copyChunks(lines, client.clientId, options.batchSize));

    const latencies = [...summary.latenciesMs].sort((a, b) => a - b);
    const acceptedPerSecond = n / (summary.elapsedMs / 1000);
    const processedPerSecond = n / processedSeconds;
    const copyRowsPerSecond = n / copySeconds;
    const result = {
      benchmark: 'intake',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart },
      options: { ...options, workerConcurrency: env.WORKER_CONCURRENCY ?? 'default', intakeBatchSize: env.INTAKE_BATCH_SIZE ?? 'default' },
      push: { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected, requests: summary.requests, retries: summary.retries, seconds: summary.elapsedMs / 1000 },
      processed: { messages: counts.processed, facts: counts.facts, seconds: processedSeconds },
      copySeconds,
      acceptedPerSecond,
      processedPerSecond,
      copyRowsPerSecond,
      acceptedToCopy: acceptedPerSecond / copyRowsPerSecond,
      processedToCopy: processedPerSecond / copyRowsPerSecond,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
      peakRssMb: { api: apiUsage.peakRssMb, worker: workerUsage.peakRssMb },
      cpuSeconds: { api: apiUsage.cpuSeconds, worker: workerUsage.cpuSeconds, postgres: postgresCpu, pushClient: clientCpu },
    };
    const perRecord = (seconds: number) => `${Math.round((seconds / n) * 1e6)} µs`;

    const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} /s`;
    printTable({
      'accepted (202)': rate(acceptedPerSecond),
      'processed (end to end)': rate(processedPerSecond),
      'COPY baseline': rate(copyRowsPerSecond),
      'accepted / COPY (aim ≥ 0.40)': result.acceptedToCopy.toFixed(2),
      'processed / COPY (aim ≥ 0.20)': result.processedToCopy.toFixed(2),
      'request latency p50 / p99': `${result.latencyMs.p50.toFixed(0)} / ${result.latencyMs.p99.toFixed(0)} ms`,
      'peak RSS api / worker': `${apiUsage.peakRssMb.toFixed(0)} / ${workerUsage.peakRssMb.toFixed(0)} MB`,
      'CPU api / worker (the run, not start-up)': `${apiUsage.cpuSeconds.toFixed(1)} / ${workerUsage.cpuSeconds.toFixed(1)} s`,
      'CPU a record: api / worker / PostgreSQL / push client': [apiUsage.cpuSeconds, workerUsage.cpuSeconds, postgresCpu, clientCpu].map(perRecord).join(' / '),
      'facts written': counts.facts.toLocaleString('en-US'),
      machine: `${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at the start`,
    });
    const out = join(ROOT, 'bench-results', `intake-${stamp}.json`);
    await mkdir(join(ROOT, 'bench-results'), { recursive: true });
    await writeFile(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written to ${out}`);

    // Checked after the figures are out, so that such a run still shows them.
    if (counts.processed !== n) throw new Error(`${counts.processed} of ${n} messages processed; the others went dead`);
  } finally {
    await Promise.all(services.map(stopService));
    await db?.end().catch(() => undefined);
    await cleanUp(database, queuePrefix, tempDir);
  }
}

export function printTable(rows: Record<string, string>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  for (const [label, value] of Object.entries(rows)) console.log(`  ${label.padEnd(width)}  ${value}`);
}

/** Best effort: a step that fails is reported, and neither stops the others nor hides the run's own error. */
export async function cleanUp(database: string, queuePrefix: string, tempDir: string): Promise<void> {
  const attempt = (what: string, step: () => Promise<unknown>) => step().catch((error: unknown) => console.warn(`could not ${what}: ${(error as Error).message}`));
  await attempt(`drop database ${database}`, async () => {
    const admin = new Client({ connectionString: TEST_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.end());
  });
  await attempt(`remove ${tempDir}`, () => rm(tempDir, { recursive: true, force: true }));
  await attempt(`remove the queue keys ${queuePrefix}:*`, async () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => undefined); // the failed command reports it
    try {
      for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  });
}
