import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { KIND_AGENCY, type RecordKind } from '@sanxian/contracts';
import { pushFile } from '@sanxian/exchange-client';
import type { Discrepancy, Manifest, TruthRecord } from '@sanxian/synth';
import { urlFor } from '../support/test-database';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { JobName, QueueName, redisOptions } from '@sanxian/jobs';
import { ROOT, benchSetting, cleanUp, cli, printTable, processUsage, startHubProcesses, startService, stopService, untilProcessed, type Service } from './intake.bench';
import { PeakSampler, describePeaks, type PhasePeaks } from './process-peaks';
import { measureBatchLatencies, summariseLatencies, type BatchLatency } from './reconcile-latency';

/**
 * Issue 16's measure of reconciliation, per county size: a synthetic county pushed through the exchange API (api and
 * worker processes, real PostgreSQL and Redis), then
 * - a full run, `sanxian reconcile` as a process of its own with the api and worker running (as `npm start` runs
 *   them): wall time, persons per minute, the peak RSS of every process (the CLI, api, worker, the bench itself and
 *   PostgreSQL's backends for the database, see process-peaks.ts), set against a plain COPY (SELECT …) TO STDOUT of
 *   the rows it reads, measured in the same run; run twice (the second must change nothing);
 * - the full run in parts as the workers run it (a BullMQ flow of township parts), by 1 and by 2 worker processes
 *   (--workers; 0 skips it), forced into parts whatever the size (RECONCILE_IN_MEMORY_MAX_CARDS=0): wall time from
 *   the job's queueing to the run's end, every worker's peak RSS and their CPU time;
 * - its accuracy against the generator's ground truth (linkage and discrepancies);
 * - the time from a batch's commit to its discrepancies: `--batches` batches of `--batch-size` hukou move-ins
 *   pushed one after the other while the hub runs with its after-intake settings, each measured from the outside
 *   (reconcile-latency.ts): p50 and p95.
 * Figures only: nothing asserted. Sizes with --sizes or --people (repeatable, or comma-separated):
 *
 *   npm run bench -- reconcile [--people 200000] [--sizes 200000,1000000,2000000,5000000] [--batches 20] [--batch-size 5000]
 *     [--after-intake-delay-ms <ms>] [--skip-accuracy] [--county 511325] [--seed 1] [--concurrency 4] [--workers 1,2]
 *
 * --after-intake-delay-ms sets RECONCILE_AFTER_INTAKE_DELAY_MS while the batches are measured; without it the hub's
 * default applies, so the latency is what a deployment with default settings sees.
 */
/** A synthetic county's feed files, in the order they are pushed (the registry first). */
export const FILES: [RecordKind, string][] = [
  ['registry-card', 'registry-cards.ndjson'],
  ['hukou-change', 'hukou-changes.ndjson'],
  ['marriage-record', 'marriage-records.ndjson'],
  ['birth-notice', 'birth-notices.ndjson'],
];
/** canonical_fact.role → the record's field, as truth/records.ndjson names it. */
const TRUTH_ROLE: Record<string, string> = { subject: 'person', 'party-a': 'partyA', 'party-b': 'partyB', mother: 'mother', father: 'father' };
/** The reads of ReconciliationRepository.loadCurrentCards, loadAgencyFacts and loadManualLinks. */
const READS = [
  `SELECT w.card_id, w.version, w.event_date, w.region_code, w.citizen_id, w.name, w.birth_date, w.marital_status, w.marriage_date,
     w.residence_status, w.message_id, m.record_id FROM registry_woman w LEFT JOIN inbound_message m ON m.id = w.message_id`,
  `SELECT card_id, citizen_id, name, birth_date FROM registry_husband`,
  `SELECT card_id, citizen_id, name, sex, birth_date, birth_order, policy_compliant FROM registry_child ORDER BY card_id, ordinal`,
  `SELECT f.id, f.message_id, m.record_id, f.kind, f.event, f.event_date, f.region_code, f.role, f.citizen_id, f.name, f.sex, f.birth_date,
     f.detail FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id WHERE f.kind <> 'registry-card' ORDER BY f.message_id, f.role, f.ordinal`,
  `SELECT fact_id, decision, person_key FROM person_link WHERE method = 'manual'`,
];
/** Loaded with --require into a measured process: its own peak RSS and CPU time, written as it exits. */
const PROBE = `process.on('exit', () => { const u = process.resourceUsage();
  require('node:fs').writeFileSync(process.env.SANXIAN_PROBE_OUT, JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })); });\n`;
const EXAMPLES = 4;
/** The longest the bench waits for a reconciliation it did not start (one at 5,000,000 people may take long). */
const RUN_TIMEOUT_MS = 60 * 60_000;

interface Options {
  sizes: number[]; county: string; seed: string; batchSize: number; concurrency: number;
  /** Latency batches pushed after the full runs (at least 20 for a p95 worth the name). */
  batches: number;
  /** RECONCILE_AFTER_INTAKE_DELAY_MS for the hub while latency is measured; undefined: the hub's own default. */
  afterIntakeDelayMs: string | undefined;
  accuracy: boolean;
  /** The full run in parts as a flow of township jobs, once per number of worker processes here (none: skipped). */
  workers: number[];
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      people: { type: 'string', multiple: true }, sizes: { type: 'string' }, county: { type: 'string', default: '511325' },
      seed: { type: 'string', default: '1' }, 'batch-size': { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '4' },
      batches: { type: 'string', default: '20' }, 'after-intake-delay-ms': { type: 'string' }, 'skip-accuracy': { type: 'boolean', default: false },
      workers: { type: 'string', default: '1,2' },
    },
  });
  const int = (name: string, text: string, min = 1): number => {
    const n = Number(text.trim());
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be ${min ? 'positive integers' : 'integers of 0 or more'}, not "${text}"`);
    return n;
  };
  // --sizes 200000,1000000, or --people repeated (each may be a list too).
  const lists = values.sizes !== undefined ? [values.sizes] : (values.people ?? ['200000']);
  const sizes = [...new Set(lists.flatMap((list) => list.split(',')).map((s) => int(values.sizes !== undefined ? 'sizes' : 'people', s)))].sort((a, b) => a - b);
  const delay = values['after-intake-delay-ms'];
  if (delay !== undefined) int('after-intake-delay-ms', delay, 0);
  return {
    sizes, county: values.county, seed: values.seed, batchSize: int('batch-size', values['batch-size']), concurrency: int('concurrency', values.concurrency),
    batches: int('batches', values.batches, 0), afterIntakeDelayMs: delay ?? process.env.RECONCILE_AFTER_INTAKE_DELAY_MS, accuracy: !values['skip-accuracy'],
    workers: values.workers.split(',').map((w) => int('workers', w, 0)).filter((n) => n > 0),
  };
}

async function* ndjson<T>(file: string): AsyncGenerator<T> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) yield JSON.parse(line) as T;
}

export interface ProcessUsage { wallSeconds: number; peakRssMb: number; cpuSeconds: number }
interface ProcessRun extends ProcessUsage { summary: Record<string, any> }

/**
 * `sanxian <args>` in a process of its own, timed from spawn to exit, with its peak RSS and CPU time (from the probe
 * it is started with). Rejects when it exits other than with 0; resolves with what it printed on stdout.
 */
export async function probedCli(args: string[], env: NodeJS.ProcessEnv, tempDir: string): Promise<ProcessUsage & { stdout: string }> {
  const probe = join(tempDir, 'probe.js');
  const out = join(tempDir, `probe-${Date.now()}.json`);
  await writeFile(probe, PROBE);
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', probe, join(ROOT, 'bin', 'sanxian.js'), ...args], {
    cwd: ROOT, env: { ...env, SANXIAN_PROBE_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = []; // decoded once at the end: a chunk may end inside a multi-byte character
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`sanxian ${args[0]} exited with ${code}:\n${stderr}`);
  const usage = JSON.parse(await readFile(out, 'utf8')) as { maxRssKb: number; cpuUs: number };
  return { stdout: Buffer.concat(stdout).toString('utf8'), wallSeconds, peakRssMb: usage.maxRssKb / 1024, cpuSeconds: usage.cpuUs / 1e6 };
}

/** `sanxian reconcile --json` in a process of its own, timed from spawn to exit. */
export async function reconcileProcess(env: NodeJS.ProcessEnv, asOf: string, tempDir: string): Promise<ProcessRun> {
  const { stdout, ...usage } = await probedCli(['reconcile', '--as-of', asOf, '--json'], env, tempDir);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
  return { summary, ...usage };
}

/** Seconds to COPY (SELECT …) TO STDOUT the rows `reads` select (by default every row reconciliation reads), one query after the other: median of three after a warm-up. */
export async function selectBaseline(db: Client, reads: readonly string[] = READS): Promise<{ seconds: number; bytes: number }> {
  const runs: { seconds: number; bytes: number }[] = [];
  for (let run = 0; run < 4; run++) {
    let bytes = 0;
    const started = performance.now();
    for (const sql of reads) {
      await pipeline(db.query(copyTo(`COPY (${sql}) TO STDOUT`)), new Writable({ write: (chunk: Buffer, _e, done) => ((bytes += chunk.length), done()) }));
    }
    if (run > 0) runs.push({ seconds: (performance.now() - started) / 1000, bytes });
  }
  return runs.sort((a, b) => a.seconds - b.seconds)[1];
}

// ------------------------------------------------------------------------------------------------- accuracy

interface PR { truth: number; hub: number; both: number; precision: number; recall: number }
const pr = (truth: number, hub: number, both: number): PR => ({ truth, hub, both, precision: hub ? both / hub : NaN, recall: truth ? both / truth : NaN });

interface FactOutcome {
  recordId: string; role: string; event: string; decision: string; personKey: string | null; truePlace?: string; faults: string[];
  score: number | null; runnerUp: unknown; weights: unknown;
}

async function accuracy(db: Client, dir: string) {
  // Truth of every record the hub accepted (invalid ones are rejected; a resent copy is the same record).
  const feed = new Map<string, TruthRecord>();
  const current = new Map<string, { version: number; truth: TruthRecord }>();
  for await (const t of ndjson<TruthRecord>(join(dir, 'truth', 'records.ndjson'))) {
    if (t.faults.some((f) => f.startsWith('invalid:'))) continue;
    if (t.kind !== 'registry-card') {
      if (!feed.has(t.recordId)) feed.set(t.recordId, t);
      continue;
    }
    const [, cardId, version] = /^RC-(.+)-v(\d+)$/.exec(t.recordId)!;
    if ((current.get(cardId)?.version ?? 0) < Number(version)) current.set(cardId, { version: Number(version), truth: t });
  }
  // True person → place on a current card, as the hub's link targets: woman before husband before child, then card id.
  const rank = (key: string) => (key.endsWith('#woman') ? 0 : key.endsWith('#husband') ? 1 : 2);
  const placeOf = new Map<string, string>();
  for (const cardId of [...current.keys()].sort()) {
    for (const [role, person] of Object.entries(current.get(cardId)!.truth.persons)) {
      const key = role === 'woman' || role === 'husband' ? `${cardId}#${role}` : `${cardId}#child:${role.slice('children/'.length)}`;
      const seen = placeOf.get(person);
      if (seen === undefined || rank(key) < rank(seen)) placeOf.set(person, key);
    }
  }
  const cardFaults = (cardId?: string) => (cardId === undefined ? [] : (current.get(cardId)?.truth.faults ?? []));

  const facts: Record<string, any>[] = (await db.query(
    `SELECT f.role, f.event, m.record_id, l.decision, l.person_key, l.score::float AS score, l.runner_up, l.weights FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id
     LEFT JOIN person_link l ON l.fact_id = f.id WHERE f.kind <> 'registry-card' AND f.role = ANY($1)`, [Object.keys(TRUTH_ROLE)])).rows;
  const link = { facts: facts.length, eligible: 0, linked: 0, correct: 0, review: 0, nonLink: 0, wrongPlace: 0, linkedWithoutPlace: 0 };
  const byFault: Record<string, { eligible: number; correct: number; linked: number }> = {};
  const outcomesOf = new Map<string, FactOutcome[]>();
  const missed: FactOutcome[] = [];
  const wrong: FactOutcome[] = [];
  for (const row of facts) {
    const t = feed.get(row.record_id);
    const person = t?.persons[TRUTH_ROLE[row.role]];
    const truePlace = person === undefined ? undefined : placeOf.get(person);
    const decision = row.decision ?? 'none';
    const outcome: FactOutcome = {
      recordId: row.record_id, role: TRUTH_ROLE[row.role], event: row.event, decision, personKey: row.person_key, truePlace, faults: t?.faults ?? [],
      score: row.score, runnerUp: row.runner_up, weights: row.weights,
    };
    if (truePlace !== undefined) outcome.faults = [...outcome.faults, ...cardFaults(truePlace.split('#')[0]).map((f) => `card:${f}`)];
    outcomesOf.set(row.record_id, [...(outcomesOf.get(row.record_id) ?? []), outcome]);
    if (decision === 'review') link.review += 1;
    else if (decision !== 'link') link.nonLink += 1;
    const correct = decision === 'link' && row.person_key === truePlace;
    if (decision === 'link') link.linked += 1;
    if (correct) link.correct += 1;
    if (decision === 'link' && !correct) {
      if (truePlace === undefined) link.linkedWithoutPlace += 1;
      else link.wrongPlace += 1;
      wrong.push(outcome);
    }
    if (truePlace !== undefined) {
      link.eligible += 1;
      if (!correct) missed.push(outcome);
    }
    for (const fault of outcome.faults.length ? outcome.faults : ['(none)']) {
      const f = (byFault[fault] ??= { eligible: 0, correct: 0, linked: 0 });
      if (truePlace !== undefined) f.eligible += 1;
      if (correct) f.correct += 1;
      if (decision === 'link') f.linked += 1;
    }
  }

  // Discrepancies: the open ones against truth/discrepancies.ndjson (which never lists unlinked-record).
  const truth = new Map<string, Discrepancy>();
  for await (const d of ndjson<Discrepancy>(join(dir, 'truth', 'discrepancies.ndjson'))) truth.set(d.key, d);
  const open = new Map<string, { kind: string; evidence: { recordIds?: string[]; cardId?: string } }>();
  let unlinkedRecords = 0;
  for (const r of (await db.query(`SELECT key, kind, evidence FROM discrepancy WHERE status = 'open'`)).rows) {
    if (r.kind === 'unlinked-record') unlinkedRecords += 1;
    else open.set(r.key, r);
  }
  const kinds = [...new Set([...[...truth.values()].map((d) => d.kind as string), ...[...open.values()].map((d) => d.kind)])].sort();
  const perKind: Record<string, PR> = {};
  for (const kind of kinds) {
    const t = [...truth.values()].filter((d) => d.kind === kind);
    const h = [...open.entries()].filter(([, d]) => d.kind === kind);
    perKind[kind] = pr(t.length, h.length, t.filter((d) => open.has(d.key)).length);
  }
  // Each mismatch with why it likely differs: a feed record of its evidence whose person linkage got wrong, else the card's faults.
  // Each mismatch with why it likely differs: a fact of its evidence linked otherwise than to its person's true place
  // (or, for a person the registry lacks, not left unlinked), else the faults of the card.
  const isOff = (o: FactOutcome) => (o.truePlace === undefined ? o.decision !== 'non-link' : !(o.decision === 'link' && o.personKey === o.truePlace));
  const why = (evidence: { recordIds?: string[]; cardId?: string }): string => {
    const off = (evidence.recordIds ?? []).flatMap((id) => outcomesOf.get(id) ?? []).find(isOff);
    const card = cardFaults(evidence.cardId);
    if (off) return `${off.role}(${off.event}) ${off.decision}${off.truePlace === undefined ? ' (not in registry)' : off.personKey && off.personKey !== off.truePlace ? ' (wrong person)' : ''} [${off.faults.join(',')}]`;
    return `linkage right${card.length ? ` [card:${card.join(',card:')}]` : ''}`;
  };
  const mismatches: { side: 'only-in-truth' | 'only-in-hub'; kind: string; key: string; cause: string; cardId?: string; facts: FactOutcome[] }[] = [];
  const mismatch = (side: 'only-in-truth' | 'only-in-hub', kind: string, key: string, evidence: { recordIds?: string[]; cardId?: string }) =>
    mismatches.push({ side, kind, key, cause: why(evidence), cardId: evidence.cardId, facts: (evidence.recordIds ?? []).flatMap((id) => outcomesOf.get(id) ?? []) });
  for (const d of truth.values()) if (!open.has(d.key)) mismatch('only-in-truth', d.kind, d.key, d.evidence);
  for (const [key, d] of open) if (!truth.has(key)) mismatch('only-in-hub', d.kind, key, d.evidence);
  const causes: Record<string, number> = {};
  for (const m of mismatches) causes[`${m.side} ${m.kind}: ${m.cause}`] = (causes[`${m.side} ${m.kind}: ${m.cause}`] ?? 0) + 1;
  const examples = Object.keys(causes).flatMap((c) => mismatches.filter((m) => `${m.side} ${m.kind}: ${m.cause}` === c).slice(0, EXAMPLES));
  const missCauses: Record<string, number> = {};
  for (const o of [...missed, ...wrong.filter((w) => w.truePlace === undefined)]) {
    const c = `${o.role}(${o.event}) ${o.decision}${o.decision === 'link' ? (o.truePlace ? ' wrong person' : ' but not in registry') : ''} [${o.faults.join(',')}]`;
    missCauses[c] = (missCauses[c] ?? 0) + 1;
  }
  const total = pr(truth.size, open.size, [...truth.keys()].filter((k) => open.has(k)).length);
  return {
    linkage: { ...link, precision: link.correct / link.linked, recall: link.correct / link.eligible, reviewShare: link.review / link.facts, byFault, missCauses, missedExamples: missed.slice(0, 10), wrongExamples: wrong.slice(0, 10) },
    discrepancies: { overall: total, perKind, unlinkedRecords, causes, examples },
  };
}

// ------------------------------------------------------------------------------------------------- one size

export interface LoadedCounty {
  manifest: Manifest;
  /** Where the county's files are (tempDir/county). */
  dir: string;
  /** Connected to the loaded database; the caller ends it. */
  db: Client;
  synthSeconds: number;
  /** From the first push to the last record processed. */
  loadSeconds: number;
  accepted: number;
  states: Record<string, number>;
  /** Peak RSS (MB) of the api and the worker over the load, read just before they stopped. */
  loadPeakRssMb: Record<string, number>;
}

/**
 * A synthetic county in a fresh hub database: `sanxian synth <synthArgs>` into tempDir/county, then the api and the
 * worker as processes (added to `services`), its four files pushed through the signed API as they are (received now,
 * no replay), every record processed, any reconciliation the hub started meanwhile finished, the hub stopped (so
 * that nothing else runs while the caller measures) and the database VACUUM ANALYZEd. The hub reconciles as of the
 * county's day (RECONCILE_AS_OF, unless the caller set it), as the bench's own runs do.
 */
export async function loadCounty(
  setting: { database: string; env: NodeJS.ProcessEnv }, services: Service[], tempDir: string, synthArgs: string[],
  push: { batchSize: number; concurrency: number },
): Promise<LoadedCounty> {
  const { database, env } = setting;
  const dir = join(tempDir, 'county');
  let started = performance.now();
  const manifest = JSON.parse(await cli(['synth', ...synthArgs, '--out', dir, '--json'], env)) as Manifest;
  const synthSeconds = (performance.now() - started) / 1000;
  env.RECONCILE_AS_OF ??= manifest.asOf;
  const { api, worker, client: fp } = await startHubProcesses(env, services, KIND_AGENCY['registry-card']);
  const db = new Client({ connectionString: urlFor(database) });
  await db.connect();
  try {
    started = performance.now();
    let accepted = 0;
    for (const [kind, file] of FILES) {
      const client = kind === 'registry-card' ? fp : (JSON.parse(await cli(['clients', 'create', '--agency', KIND_AGENCY[kind], '--name', 'bench', '--json'], env)) as typeof fp);
      const summary = await pushFile({
        kind, file: join(dir, file), url: `http://127.0.0.1:${env.PORT}`, clientId: client.clientId, secret: client.secret,
        batchSize: push.batchSize, concurrency: push.concurrency, rejectionsFile: join(tempDir, `${kind}.rejections.ndjson`),
      });
      const expected = manifest.records[kind];
      if (summary.accepted !== expected.lines - expected.invalid - expected.resent) console.warn(`${kind}: ${summary.accepted} accepted, the manifest expects ${expected.lines - expected.invalid - expected.resent}`);
      accepted += summary.accepted;
    }
    await untilProcessed(db, accepted, new AbortController().signal);
    const loadSeconds = (performance.now() - started) / 1000;
    const states = Object.fromEntries((await db.query(`SELECT state, count(*)::int AS n FROM message_state GROUP BY state`)).rows.map((r) => [r.state, r.n]));
    if (states.processed !== accepted) console.warn(`${states.processed ?? 0} of ${accepted} messages processed: ${JSON.stringify(states)}`);
    // A hub that reconciles after each batch may still be at it: stopped mid-run, it would leave a run `running`.
    for (const deadline = performance.now() + RUN_TIMEOUT_MS; (await db.query(`SELECT 1 FROM reconciliation_run WHERE status = 'running' LIMIT 1`)).rowCount;) {
      if (performance.now() > deadline) throw new Error(`a reconciliation run still running ${RUN_TIMEOUT_MS / 60_000} minutes after the load`);
      await sleep(200);
    }
    const loadPeakRssMb = { api: (await processUsage(api.child.pid!)).peakRssMb, worker: (await processUsage(worker.child.pid!)).peakRssMb };
    await Promise.all(services.map(stopService)); // nothing else on the machine while the caller measures
    await db.query('VACUUM ANALYZE');
    return { manifest, dir, db, synthSeconds, loadSeconds, accepted, states, loadPeakRssMb };
  } catch (error) {
    await db.end().catch(() => undefined);
    throw error;
  }
}

/** `sanxian reconcile` as a process while every other process's peak memory is sampled (see PeakSampler). */
async function fullRun(env: NodeJS.ProcessEnv, database: string, asOf: string, tempDir: string, hub: Record<string, number>) {
  const sampler = await PeakSampler.start(urlFor(database), database, { ...hub, bench: 'self' });
  try {
    const run = await reconcileProcess(env, asOf, tempDir);
    return { ...run, peaks: await sampler.stop() };
  } catch (error) {
    await sampler.stop();
    throw error;
  }
}

/**
 * The full run as the workers run it (issue 16): the hub's own worker is stopped, `n` worker processes started with
 * RECONCILE_IN_MEMORY_MAX_CARDS=0 (parts whatever the size), an on-demand run queued as staff queue it, and timed
 * until the run it planned has ended; the workers are stopped again.
 */
async function flowRun(n: number, env: NodeJS.ProcessEnv, database: string, db: Client, services: Service[]) {
  const workerEnv = { ...env, RECONCILE_IN_MEMORY_MAX_CARDS: '0' };
  const workers: Service[] = [];
  for (let i = 1; i <= n; i += 1) {
    const worker = await startService(`worker ${i} of ${n}`, 'worker.js', workerEnv);
    services.push(worker);
    workers.push(worker);
  }
  const pids = Object.fromEntries(workers.map((w, i) => [`worker${i + 1}`, w.child.pid!]));
  const sampler = await PeakSampler.start(urlFor(database), database, { ...pids, bench: 'self' });
  const queue = new Queue(QueueName.Reconcile, { connection: redisOptions(env.REDIS_URL!, 'producer'), prefix: env.QUEUE_PREFIX });
  try {
    const { rows: [{ last }] } = await db.query(`SELECT coalesce(max(id), 0)::text AS last FROM reconciliation_run`);
    const started = performance.now();
    await queue.add(JobName.ReconcileRun, { trigger: 'on-demand' });
    for (const deadline = started + RUN_TIMEOUT_MS; ; await sleep(200)) {
      const { rows: [run] } = await db.query(
        `SELECT id, status, counts, error, extract(epoch FROM finished_at - started_at)::float AS seconds FROM reconciliation_run
         WHERE id > $1 AND mode = 'full' AND status <> 'running' ORDER BY id LIMIT 1`, [last]);
      if (run !== undefined) {
        if (run.status !== 'done') throw new Error(`the run in parts ${run.id} failed: ${run.error}`);
        const wallSeconds = (performance.now() - started) / 1000;
        const cpuSeconds = (await Promise.all(workers.map((w) => processUsage(w.child.pid!)))).reduce((sum, u) => sum + u.cpuSeconds, 0);
        const { rows: [parts] } = await db.query(`SELECT count(*)::int AS n FROM reconciliation_run_part WHERE run_id = $1`, [run.id]);
        return { workers: n, wallSeconds, inRunSeconds: run.seconds as number, cpuSeconds, parts: parts.n as number, summary: run.counts, peaks: await sampler.stop() };
      }
      if (performance.now() > deadline) throw new Error(`no run in parts ended ${RUN_TIMEOUT_MS / 60_000} minutes after it was queued`);
    }
  } catch (error) {
    await sampler.stop();
    throw error;
  } finally {
    await queue.close();
    await Promise.all(workers.map(stopService));
  }
}

async function measureSize(people: number, options: Options) {
  const setting = await benchSetting(`sanxian_bench_reconcile_${people}`);
  const { database, queuePrefix, env } = setting;
  const services: Service[] = [];
  const tempDir = await mkdtemp(join(tmpdir(), 'sanxian-bench-reconcile-'));
  let db: Client | undefined;
  const say = (text: string) => console.log(`  [${new Date().toISOString().slice(11, 19)}] ${people.toLocaleString('en-US')}: ${text}`);
  try {
    say('generating and loading the county…');
    const loaded = await loadCounty(setting, services, tempDir, ['--county', options.county, '--people', String(people), '--seed', options.seed], options);
    const { manifest, dir, synthSeconds, loadSeconds, accepted, states, loadPeakRssMb } = loaded;
    db = loaded.db;
    say(`${accepted.toLocaleString('en-US')} records loaded in ${loadSeconds.toFixed(0)} s (generated in ${synthSeconds.toFixed(0)} s); SELECT baseline…`);
    const baseline = await selectBaseline(db);

    // The hub runs again from here, as `npm start` runs it: whichever process does a full run's work (today the CLI
    // itself; the worker, were the run a flow of jobs), its memory is sampled; and the latency batches need it.
    const hubEnv: NodeJS.ProcessEnv = { ...env };
    if (options.afterIntakeDelayMs === undefined) delete hubEnv.RECONCILE_AFTER_INTAKE_DELAY_MS;
    else hubEnv.RECONCILE_AFTER_INTAKE_DELAY_MS = options.afterIntakeDelayMs;
    const { api, worker, client } = await startHubProcesses(hubEnv, services, KIND_AGENCY['hukou-change']);
    let hub = { api: api.child.pid!, worker: worker.child.pid! };

    say(`full reconciliation (SELECT baseline ${baseline.seconds.toFixed(2)} s)…`);
    const first = await fullRun(hubEnv, database, manifest.asOf, tempDir, hub);
    say(`full run ${first.wallSeconds.toFixed(1)} s; again…`);
    const second = await fullRun(hubEnv, database, manifest.asOf, tempDir, hub);
    const flows: Awaited<ReturnType<typeof flowRun>>[] = [];
    if (options.workers.length > 0) {
      // Only the flow's workers run meanwhile; the hub's own comes back for the latency batches.
      await stopService(worker);
      for (const n of options.workers) {
        say(`full run in parts by ${n} worker process${n > 1 ? 'es' : ''} (a flow of township parts)…`);
        const flow = await flowRun(n, hubEnv, database, db, services);
        say(`${flow.parts} parts in ${flow.wallSeconds.toFixed(1)} s`);
        flows.push(flow);
      }
      const restarted = await startService('worker', 'worker.js', hubEnv);
      services.push(restarted);
      hub = { ...hub, worker: restarted.child.pid! };
    }
    // Before the latency batches, whose discrepancies the ground truth does not know.
    if (options.accuracy) say('accuracy against the ground truth…');
    const scores = options.accuracy ? await accuracy(db, dir) : undefined;

    let latency: { batches: BatchLatency[]; summary: ReturnType<typeof summariseLatencies>; peaks: PhasePeaks } | undefined;
    if (options.batches > 0) {
      say(`${options.batches} batches of ${options.batchSize.toLocaleString('en-US')} move-ins, each waited for until its discrepancies are visible (after-intake window: ${hubEnv.RECONCILE_AFTER_INTAKE_DELAY_MS === undefined ? 'the hub default' : `${hubEnv.RECONCILE_AFTER_INTAKE_DELAY_MS} ms`})…`);
      const sampler = await PeakSampler.start(urlFor(database), database, { ...hub, bench: 'self' });
      try {
        const batches = await measureBatchLatencies({
          db, url: `http://127.0.0.1:${env.PORT}`, client, tempDir, hukouFile: join(dir, 'hukou-changes.ndjson'), asOf: manifest.asOf,
          batches: options.batches, size: options.batchSize, timeoutMs: RUN_TIMEOUT_MS,
        }, (b) => say(`batch ${String(b.batch).padStart(2)}: committed ${b.pushToCommitSeconds.toFixed(1)} s after its push, discrepancies ${b.latencySeconds.toFixed(1)} s after the commit` +
          (b.run ? ` (a run (${b.run.trigger}) started ${b.run.startedAfterCommitSeconds.toFixed(1)} s after it and took ${b.run.runSeconds?.toFixed(1) ?? '?'} s)` : '')));
        latency = { batches, summary: summariseLatencies(batches), peaks: await sampler.stop() };
      } catch (error) {
        await sampler.stop();
        throw error;
      }
    }
    return {
      people, database, asOf: manifest.asOf, synthSeconds, loadSeconds, accepted, states, loadPeakRssMb,
      cards: first.summary.cards as number, facts: first.summary.facts as number,
      baseline, first, second: { ...second, raised: second.summary.raised, closedByData: second.summary.closedByData }, flows,
      secondsPer1000People: first.wallSeconds / (people / 1000),
      personsPerMinute: people / (first.wallSeconds / 60),
      afterIntakeDelayMs: hubEnv.RECONCILE_AFTER_INTAKE_DELAY_MS ?? 'default',
      latency,
      ...scores,
    };
  } finally {
    await Promise.all(services.map(stopService));
    await db?.end().catch(() => undefined);
    await cleanUp(database, queuePrefix, tempDir);
  }
}

// ------------------------------------------------------------------------------------------------- the run

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(100 * x).toFixed(2)}%`);

function printAccuracy(l: Awaited<ReturnType<typeof accuracy>>['linkage'], d: Awaited<ReturnType<typeof accuracy>>['discrepancies']): void {
  printTable({
    'linkage precision / recall': `${pct(l.precision)} / ${pct(l.recall)} (${l.correct} right of ${l.linked} linked, ${l.eligible} with a registry place)`,
    'linkage review share': `${pct(l.reviewShare)} (${l.review} review, ${l.nonLink} non-link of ${l.facts} facts)`,
    'wrong links': `${l.wrongPlace} to another person, ${l.linkedWithoutPlace} of persons not in the registry`,
    'discrepancies P / R': `${pct(d.overall.precision)} / ${pct(d.overall.recall)} (${d.overall.both} of ${d.overall.truth} truth, ${d.overall.hub} hub)`,
    'unlinked-record (not in truth)': String(d.unlinkedRecords),
  });
  const width = Math.max(...Object.keys(d.perKind).map((k) => k.length));
  console.log(`  ${'kind'.padEnd(width)}  truth    hub   both  precision  recall`);
  for (const [kind, k] of Object.entries(d.perKind)) {
    console.log(`  ${kind.padEnd(width)}  ${[k.truth, k.hub, k.both].map((n) => String(n).padStart(5)).join('  ')}  ${pct(k.precision).padStart(9)}  ${pct(k.recall).padStart(7)}`);
  }
  if (Object.keys(d.causes).length) console.log('  mismatches by likely cause:');
  for (const [cause, n] of Object.entries(d.causes).sort((a, b) => b[1] - a[1])) console.log(`    ${String(n).padStart(4)}  ${cause}`);
  if (Object.keys(l.missCauses).length) console.log('  linkage misses (facts not linked to their true place, or linked to someone off the registry):');
  for (const [cause, n] of Object.entries(l.missCauses).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${String(n).padStart(4)}  ${cause}`);
}

export async function runReconcileBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const loadAtStart = loadavg()[0];
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  console.log(`reconcile bench: county ${options.county}, seed ${options.seed}, ${options.sizes.map((n) => n.toLocaleString('en-US')).join(' / ')} people`);
  const runs: Awaited<ReturnType<typeof measureSize>>[] = [];
  for (const people of options.sizes) {
    const run = await measureSize(people, options);
    runs.push(run);
    console.log(`\n${people.toLocaleString('en-US')} people: ${run.cards.toLocaleString('en-US')} cards, ${run.facts.toLocaleString('en-US')} agency facts (loaded in ${run.loadSeconds.toFixed(0)} s)`);
    const lat = run.latency?.summary;
    printTable({
      'full run wall (reconcile process)': `${run.first.wallSeconds.toFixed(1)} s (in-run ${(run.first.summary.milliseconds / 1000).toFixed(1)} s, CPU ${run.first.cpuSeconds.toFixed(1)} s)`,
      'persons per minute': Math.round(run.personsPerMinute).toLocaleString('en-US'),
      'SELECT baseline (COPY TO)': `${run.baseline.seconds.toFixed(2)} s (${(run.baseline.bytes / 2 ** 20).toFixed(0)} MB)`,
      'full run / SELECT': (run.first.wallSeconds / run.baseline.seconds).toFixed(1),
      'peak RSS during the full run': describePeaks(run.first.peaks, { reconcile: run.first.peakRssMb }),
      'second run': `${run.second.wallSeconds.toFixed(1)} s, raised ${run.second.raised}, closed ${run.second.closedByData}`,
      'peak RSS while loading': `api ${run.loadPeakRssMb.api.toFixed(0)} / worker ${run.loadPeakRssMb.worker.toFixed(0)} MB`,
      ...Object.fromEntries(run.flows.map((f) => [
        `in parts by ${f.workers} worker${f.workers > 1 ? 's' : ''} (flow, ${f.parts} parts)`,
        `${f.wallSeconds.toFixed(1)} s (in-run ${f.inRunSeconds.toFixed(1)} s, CPU ${f.cpuSeconds.toFixed(1)} s), ${Math.round(run.people / (f.wallSeconds / 60)).toLocaleString('en-US')} persons/min, ` +
          `raised ${f.summary.raised}, closed ${f.summary.closedByData}; peak RSS ${describePeaks(f.peaks)}`,
      ])),
      ...(lat && run.latency
        ? {
          [`batch commit → discrepancies (${lat.batches} × ${run.latency.batches[0].records.toLocaleString('en-US')})`]: `p50 ${lat.p50.toFixed(1)} s, p95 ${lat.p95.toFixed(1)} s (min ${lat.min.toFixed(1)}, max ${lat.max.toFixed(1)}; after-intake window: ${run.afterIntakeDelayMs === 'default' ? 'the hub default' : `${run.afterIntakeDelayMs} ms`})`,
          '  of which: commit → a run starts, run': `p50 ${lat.runStartedAfterCommitP50.toFixed(1)} s, p50 ${lat.runSecondsP50.toFixed(1)} s (${lat.runSecondsFirst.toFixed(1)} s after the first batch, ${lat.runSecondsLast.toFixed(1)} s after the last)`,
          'p50 latency / SELECT baseline': (lat.p50 / run.baseline.seconds).toFixed(1),
          'peak RSS during the batches': describePeaks(run.latency.peaks),
        }
        : {}),
    });
    if (run.linkage && run.discrepancies) printAccuracy(run.linkage, run.discrepancies);
  }

  const [small, large] = [runs[0], runs.at(-1)!];
  const growth = runs.length > 1
    ? {
      reconcile: large.first.wallSeconds / small.first.wallSeconds / (large.people / small.people),
      // Without the process's start-up (Node, Nest, connections), which weighs on the small size only.
      reconcileInRun: large.first.summary.milliseconds / small.first.summary.milliseconds / (large.people / small.people),
      baseline: large.baseline.seconds / small.baseline.seconds / (large.people / small.people),
    }
    : undefined;
  // Every size in one table, the README's: full run, its rate and its ratio to the plain read, every process's peak, the latency.
  console.log('\n  people      full run  persons/min  SELECT  full/SELECT  peak RSS reconcile/worker/api/bench, PostgreSQL private  commit→discrepancies p50/p95');
  for (const r of runs) {
    const p = r.first.peaks;
    const rss = `${[r.first.peakRssMb, p.processes.worker, p.processes.api, p.processes.bench].map((mb) => (mb ?? NaN).toFixed(0)).join('/')}, ${p.postgres.peakSumPrivateMb.toFixed(0)} MB`;
    const lat = r.latency ? `${r.latency.summary.p50.toFixed(1)} / ${r.latency.summary.p95.toFixed(1)} s` : '—';
    console.log(`  ${r.people.toLocaleString('en-US').padEnd(10)}  ${`${r.first.wallSeconds.toFixed(1)} s`.padStart(8)}  ${Math.round(r.personsPerMinute).toLocaleString('en-US').padStart(11)}  ${`${r.baseline.seconds.toFixed(2)} s`.padStart(6)}  ${(r.first.wallSeconds / r.baseline.seconds).toFixed(1).padStart(11)}  ${rss.padStart(52)}  ${lat.padStart(29)}`);
  }
  if (runs.length > 1) {
    printTable({
      'growth: (time ratio) / (size ratio)': `reconcile ${growth!.reconcile.toFixed(2)} (in-run ${growth!.reconcileInRun.toFixed(2)}), SELECT baseline ${growth!.baseline.toFixed(2)} (1 = linear, ${(large.people / small.people).toFixed(1)} = quadratic)`,
    });
  }
  const loadAtEnd = loadavg()[0];
  console.log(`  machine: ${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end`);
  const result = { benchmark: 'reconcile', at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd }, options, growth, runs };
  const out = join(ROOT, 'bench-results', `reconcile-${stamp}.json`);
  await mkdir(join(ROOT, 'bench-results'), { recursive: true });
  await writeFile(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written to ${out}`);
}
