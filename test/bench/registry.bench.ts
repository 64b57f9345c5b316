import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pushFile } from '@sanxian/exchange-client';
import { citizenId, registryCard, type Person } from '../support/record-factory';
import { urlFor } from '../support/test-database';
import { ROOT, benchSetting, cleanUp, percentile, printTable, processUsage, startHubProcesses, stopService, type Service } from './intake.bench';

/**
 * Registry load through the exchange API: family cards pushed by a family-planning client, turned into facts by the
 * worker and projected onto the registry tables, set against a raw COPY of the same registry rows on the same server.
 * Reports figures only: timings are never asserted.
 *
 *   npm run bench -- registry [--cards 500000] [--batch-size 5000] [--concurrency 4]
 */

const LOADED_TIMEOUT_MS = 20 * 60_000;
const TABLES = ['woman', 'husband', 'child'] as const;
type Table = (typeof TABLES)[number];

interface Card {
  recordId: string;
  eventDate: string;
  regionCode: string;
  cardId: string;
  version: number;
  woman: Person & { hukouRegionCode: string };
  maritalStatus: string;
  marriageDate: string;
  husband: Person;
  children: { citizenId: string; name: string; sex: 'M' | 'F'; birthDate: string; birthOrder: number; policyCompliant: boolean }[];
  residenceStatus: string;
}

function parseOptions(args: string[]): { cards: number; batchSize: number; concurrency: number } {
  const { values } = parseArgs({
    args,
    options: { cards: { type: 'string', default: '500000' }, 'batch-size': { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '4' } },
  });
  const int = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
    return n;
  };
  return { cards: int('cards', values.cards), batchSize: int('batch-size', values['batch-size']), concurrency: int('concurrency', values.concurrency) };
}

/** Card `serial` has `serial % 4` children, so a run has 1.5 children a card on average. */
function card(serial: number): Card {
  const children = Array.from({ length: serial % 4 }, (_, k) => {
    const birthDate = `${2016 + 2 * k}-03-02`;
    const sex = k % 2 ? ('F' as const) : ('M' as const);
    return { citizenId: citizenId(birthDate, sex, serial), name: '刘子涵', sex, birthDate, birthOrder: k + 1, policyCompliant: k < 2 };
  });
  return registryCard(serial, 1, { children }) as unknown as Card;
}

/** One COPY text-format line; null is \N. */
function copyLine(values: (string | number | boolean | null)[]): string {
  const escape = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
  return values.map((v) => (v === null ? '\\N' : escape(String(v)))).join('\t') + '\n';
}

/**
 * The registry rows each card becomes, as the worker's projection writes them (fresh message ids; the factory's
 * citizen ids are all valid), in COPY chunks of 1,000 cards.
 */
function copyRows(c: Card): Record<Table, string> {
  const w = c.woman;
  return {
    woman: copyLine([c.cardId, c.version, randomUUID(), c.eventDate, c.regionCode, c.regionCode.slice(0, 9), w.citizenId, true, w.name, w.birthDate,
      w.hukouRegionCode, c.maritalStatus, c.marriageDate, c.residenceStatus]),
    husband: copyLine([c.cardId, c.husband.citizenId, true, c.husband.name, c.husband.birthDate]),
    child: c.children.map((k, i) => copyLine([c.cardId, i, k.citizenId, true, k.name, k.sex, k.birthDate, k.birthOrder, k.policyCompliant])).join(''),
  };
}

const COPY_COLUMNS: Record<Table, string> = {
  woman: 'card_id, version, message_id, event_date, region_code, township_code, citizen_id, citizen_id_valid, name, birth_date, hukou_region_code, marital_status, marriage_date, residence_status',
  husband: 'card_id, citizen_id, citizen_id_valid, name, birth_date',
  child: 'card_id, ordinal, citizen_id, citizen_id_valid, name, sex, birth_date, birth_order, policy_compliant',
};

/** Writes the cards as NDJSON to `file` and returns their registry rows as COPY chunks, in one pass. */
async function prepareCards(n: number, file: string): Promise<{ chunks: Record<Table, Buffer[]>; children: number }> {
  const chunks: Record<Table, Buffer[]> = { woman: [], husband: [], child: [] };
  let children = 0;
  function* ndjson(): Generator<string> {
    for (let start = 1; start <= n; start += 1000) {
      let lines = '';
      const rows: Record<Table, string> = { woman: '', husband: '', child: '' };
      for (let serial = start; serial < Math.min(start + 1000, n + 1); serial++) {
        const c = card(serial);
        children += c.children.length;
        lines += JSON.stringify(c) + '\n';
        const r = copyRows(c);
        for (const t of TABLES) rows[t] += r[t];
      }
      for (const t of TABLES) if (rows[t]) chunks[t].push(Buffer.from(rows[t]));
      yield lines;
    }
  }
  await pipeline(Readable.from(ndjson()), createWriteStream(file));
  return { chunks, children };
}

/**
 * Seconds to COPY the three tables' rows into copies of registry_woman, registry_husband and registry_child (keys and
 * indexes; LIKE copies no foreign keys), one after the other: the median of three runs, as the intake bench does.
 */
async function copyBaseline(db: Client, chunks: Record<Table, Buffer[]>): Promise<number> {
  for (const t of TABLES) await db.query(`CREATE TABLE bench_${t} (LIKE registry_${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
  const seconds: number[] = [];
  for (let run = 0; run < 3; run++) {
    await db.query('TRUNCATE bench_woman, bench_husband, bench_child');
    await db.query('CHECKPOINT');
    const started = performance.now();
    for (const t of TABLES) await pipeline(Readable.from(chunks[t]), db.query(copyFrom(`COPY bench_${t} (${COPY_COLUMNS[t]}) FROM STDIN`)));
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds.sort((a, b) => a - b)[1];
}

/**
 * Resolves with the time at which every card's batch is done (processed or dead). The worker projects a batch's cards
 * in the transaction that marks the batch processed, so this is when the registry holds them; polling the few
 * intake_batch rows costs the system measured far less than counting registry_woman. The counts are checked at the end.
 */
async function untilLoaded(db: Client, cards: number, deadline: number, signal: AbortSignal): Promise<number> {
  for (;;) {
    signal.throwIfAborted();
    const [row] = (await db.query(`SELECT coalesce(sum(record_count), 0)::int AS n FROM intake_batch WHERE processed_at IS NOT NULL OR dead_at IS NOT NULL`)).rows;
    if (row.n >= cards) return performance.now();
    if (performance.now() > deadline) throw new Error(`only ${row.n} of ${cards} cards loaded after ${LOADED_TIMEOUT_MS / 60_000} minutes`);
    await sleep(500);
  }
}

export async function runRegistryBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const n = options.cards;
  const { database, stamp, port, queuePrefix, env, loadAtStart } = await benchSetting('sanxian_bench_registry');
  const services: Service[] = [];
  const tempDir = await mkdtemp(join(tmpdir(), 'sanxian-bench-'));
  let db: Client | undefined;
  console.log(`registry bench: ${n.toLocaleString('en-US')} family cards, batches of ${options.batchSize}, ${options.concurrency} in flight; database ${database}, queues ${queuePrefix}`);
  try {
    const { api, worker, client } = await startHubProcesses(env, services, 'family-planning');

    const file = join(tempDir, 'registry-cards.ndjson');
    const { chunks, children } = await prepareCards(n, file);

    db = new Client({ connectionString: urlFor(database) });
    await db.connect();
    await db.query('CHECKPOINT'); // start from clean buffers, as the COPY baseline does
    const started = performance.now();
    const stopPolling = new AbortController();
    const loading = untilLoaded(db, n, started + LOADED_TIMEOUT_MS, stopPolling.signal);
    loading.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    const summary = await pushFile({
      kind: 'registry-card', file, url: `http://127.0.0.1:${port}`, clientId: client.clientId, secret: client.secret,
      batchSize: options.batchSize, concurrency: options.concurrency,
    }).catch((error: unknown) => {
      stopPolling.abort();
      throw error;
    });
    if (summary.accepted !== n) {
      stopPolling.abort();
      throw new Error(`${summary.accepted} of ${n} cards accepted (${summary.rejected} rejected, ${summary.duplicates} duplicates); see ${summary.rejectionsFile ?? 'the hub logs'}`);
    }
    const loadedSeconds = ((await loading) - started) / 1000;
    const [apiUsage, workerUsage] = await Promise.all([processUsage(api.child.pid!), processUsage(worker.child.pid!)]);
    const [counts] = (
      await db.query(`SELECT (SELECT count(*)::int FROM registry_woman) AS women, (SELECT count(*)::int FROM registry_husband) AS husbands,
        (SELECT count(*)::int FROM registry_child) AS children, (SELECT count(*)::int FROM registry_card_version) AS versions,
        (SELECT count(*)::int FROM dead_letter) AS dead, (SELECT count(*)::int FROM canonical_fact) AS facts`)
    ).rows;

    const copySeconds = await copyBaseline(db, chunks);

    const latencies = [...summary.latenciesMs].sort((a, b) => a - b);
    const acceptedPerSecond = n / (summary.elapsedMs / 1000);
    const loadedPerSecond = n / loadedSeconds;
    const copyCardsPerSecond = n / copySeconds;
    const result = {
      benchmark: 'registry',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg()[0] },
      options: { ...options, workerConcurrency: env.WORKER_CONCURRENCY ?? 'default', intakeBatchSize: env.INTAKE_BATCH_SIZE ?? 'default' },
      push: { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected, requests: summary.requests, retries: summary.retries, seconds: summary.elapsedMs / 1000 },
      loaded: { ...counts, expectedChildren: children, seconds: loadedSeconds },
      copySeconds,
      acceptedPerSecond,
      loadedPerSecond,
      copyCardsPerSecond,
      loadedToCopy: loadedPerSecond / copyCardsPerSecond,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
      peakRssMb: { api: apiUsage.peakRssMb, worker: workerUsage.peakRssMb },
      cpuSeconds: { api: apiUsage.cpuSeconds, worker: workerUsage.cpuSeconds },
    };

    const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} cards/s`;
    const count = (x: number) => x.toLocaleString('en-US');
    printTable({
      'accepted (202)': rate(acceptedPerSecond),
      'loaded (end to end)': rate(loadedPerSecond),
      'COPY baseline (3 tables)': rate(copyCardsPerSecond),
      'loaded / COPY': result.loadedToCopy.toFixed(3),
      'request latency p50 / p99': `${result.latencyMs.p50.toFixed(0)} / ${result.latencyMs.p99.toFixed(0)} ms`,
      'peak RSS api / worker': `${apiUsage.peakRssMb.toFixed(0)} / ${workerUsage.peakRssMb.toFixed(0)} MB`,
      'CPU api / worker': `${apiUsage.cpuSeconds.toFixed(1)} / ${workerUsage.cpuSeconds.toFixed(1)} s`,
      'women / husbands / children': `${count(counts.women)} / ${count(counts.husbands)} / ${count(counts.children)} (children expected ${count(children)})`,
      'card versions / facts': `${count(counts.versions)} / ${count(counts.facts)}`,
      machine: `${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at the start, ${result.machine.loadAverageAtEnd.toFixed(2)} at the end`,
    });
    const out = join(ROOT, 'bench-results', `registry-${stamp}.json`);
    await mkdir(join(ROOT, 'bench-results'), { recursive: true });
    await writeFile(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written to ${out}`);

    // Checked after the figures are out, so that such a run still shows them.
    if (counts.dead) throw new Error(`${counts.dead} dead messages`);
    const wrong = Object.entries({ registry_woman: [counts.women, n], registry_husband: [counts.husbands, n], registry_child: [counts.children, children], registry_card_version: [counts.versions, n] })
      .filter(([, [got, want]]) => got !== want)
      .map(([table, [got, want]]) => `${table} has ${got} rows, not ${want}`);
    if (wrong.length) throw new Error(wrong.join('; '));
  } finally {
    await Promise.all(services.map(stopService));
    await db?.end().catch(() => undefined);
    await cleanUp(database, queuePrefix, tempDir);
  }
}
